# Turbo's documented client logic, run verbatim against c-runner's POST /submit: the integration example of the
# Turbo reference (section 9, "Integration Example (Python)") and its error detection logic (section 8, "Error
# Detection Logic"), copied unchanged but for the server's address (TURBO_URL instead of http://localhost:3001) and
# the submission (read as JSON from stdin instead of the reference's Python example). Used by the judge suite
# (test/helpers/judge-suite.ts), which checks what it prints for every verdict.
import json
import os
import sys

import requests

TURBO_URL = os.environ["TURBO_URL"]
submission = json.load(sys.stdin)

# ---- section 9, verbatim but for the address ----
def execute_code(user_id, language, code, testcases):
    """
    Execute code on Turbo system.
    
    Args:
        user_id: Student/user identifier
        language: "java", "rust", or "python"
        code: Source code as string
        testcases: List of dicts with 'id', 'input', 'output'
    
    Returns:
        dict: Execution results
    """
    payload = {
        "user_id": user_id,
        "language": language,
        "code": code,
        "testcases": testcases
    }
    
    try:
        response = requests.post(
            TURBO_URL + "/submit",
            json=payload,
            timeout=120
        )
        
        if response.status_code == 200:
            return {
                "success": True,
                "data": response.json()
            }
        else:
            return {
                "success": False,
                "error": f"HTTP {response.status_code}: {response.text}"
            }
    except requests.Timeout:
        return {
            "success": False,
            "error": "Request timeout (>120s)"
        }
    except Exception as e:
        return {
            "success": False,
            "error": str(e)
        }

# Example usage
testcases = submission["testcases"]

code = submission["code"]

result = execute_code(submission["user_id"], submission["language"], code, testcases)

if result["success"]:
    data = result["data"]
    print(f"Overall: {'✅ PASSED' if data['passed'] else '❌ FAILED'}")
    
    if data['error']:
        print(f"Compilation Error: {data['error']}")
    else:
        for tc in data['results']:
            status = "✅" if tc['passed'] else "❌"
            print(f"{status} Test {tc['id']}: {tc['actual_output']}")
            if tc['error']:
                print(f"   Error: {tc['error']}")
else:
    print(f"Request Failed: {result['error']}")

print("----")

# ---- section 8, verbatim ----
url = TURBO_URL + "/submit"
payload = submission
response = requests.post(url, json=payload, timeout=120)

if response.status_code == 200:
    data = response.json()
    
    if data['error']:
        print(f"Compilation Error: {data['error']}")
    elif not data['passed']:
        # Check individual test failures
        for result in data['results']:
            if not result['passed']:
                if result['error']:
                    print(f"Runtime Error on TC {result['id']}: {result['error']}")
                else:
                    print(f"Wrong Answer on TC {result['id']}")
    else:
        print("All tests passed!")
        
elif response.status_code >= 500:
    print(f"System Error: {response.text}")
