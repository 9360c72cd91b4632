// The same verdict table, run limits and Turbo client as judge.test.ts, under the policy without /proc
// (C_RUNNER_SANDBOX_PROC=none: what plain `podman run` and most Kubernetes pods get): a verdict that holds under
// one policy only fails here.
import {judgeSuite} from '../helpers/judge-suite.ts';

judgeSuite('none', 65_000);
