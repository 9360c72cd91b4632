// The same verdict table, run limits and Turbo client as judge.test.ts, with the server itself run as one
// unprivileged uid, as the container image runs it: every sandbox then has that uid too.
import {judgeSuite} from '../helpers/judge-suite.ts';

judgeSuite('private', 65_040, {unprivileged: true});
