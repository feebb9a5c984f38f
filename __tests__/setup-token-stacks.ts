// Token creation stacks left empty and not collected, as synthesize does (stacks/token-stacks.ts);
// real Errors keep jest's source-mapped stacks.
import { captureLeftEmpty, tokenStacksLeftEmpty } from '../stacks/token-stacks';

Error.prepareStackTrace = tokenStacksLeftEmpty(Error.prepareStackTrace);
Error.captureStackTrace = captureLeftEmpty(Error.captureStackTrace);
