// Types of cdktf's jest matchers (toHaveResourceWithProperties and friends),
// which test files install with Testing.setupJest().
import 'cdktf/lib/testing/adapters/jest';
