// POST /judge_c, POST /submit and per-request limits through the real server, gcc and bwrap, under the strongest
// policy (a private /proc): the suite in test/helpers/judge-suite.ts, which judge-no-proc.test.ts runs without /proc.
import {judgeSuite} from '../helpers/judge-suite.ts';

judgeSuite('private', 62_500);
