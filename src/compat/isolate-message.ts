import type {ExecuteResult} from '../job/result.ts';

/**
 * How a run ended, in the words of isolate's `message`, which Piston and Judge0 both pass on to their clients
 * ("Exited with error status 3", "Caught fatal signal 11", "Time limit exceeded"); null for a clean exit or a
 * compile error. Each API's own words for the output cap stay with it.
 */
export function isolateMessage(result: ExecuteResult): string | null {
	switch (result.status) {
		case 'runtime_error': {
			return `Exited with error status ${result.exit_code}`;
		}

		case 'time_limit': {
			return result.stopped_by === 'wall_time' ? 'Time limit exceeded (wall clock)' : 'Time limit exceeded';
		}

		case 'memory_limit': {
			return 'Memory limit exceeded';
		}

		case 'output_limit': {
			return 'Output limit exceeded';
		}

		case 'file_size_limit':
		case 'signalled': {
			return `Caught fatal signal ${-result.exit_code}`;
		}

		case 'ok':
		case 'compile_error': {
			return null;
		}
	}
}
