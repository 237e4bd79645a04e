package contract_test

import "flag"

// update rewrites the golden files under testdata/ and the checked-in
// schemas instead of comparing with them: go test ./contract -update.
var update = flag.Bool("update", false, "rewrite golden files and schemas")
