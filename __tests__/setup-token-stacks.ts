// Token creation stacks left empty, as synthesize does (stacks/token-stacks.ts);
// real Errors keep jest's source-mapped stacks.
import { tokenStacksLeftEmpty } from '../stacks/token-stacks';

Error.prepareStackTrace = tokenStacksLeftEmpty(Error.prepareStackTrace);
