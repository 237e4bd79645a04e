package cocoder_test

import (
	"errors"
	"fmt"

	"github.com/cocoder/cocoder"
)

// Errors from every CoCoder package carry a code that callers can test with
// errors.Is or read with CodeOf.
func ExampleCodeOf() {
	err := fmt.Errorf("loading route: %w", &cocoder.Error{
		Code: cocoder.NotFound, Op: "contract.Load", Message: "routes/default.yaml does not exist",
	})
	fmt.Println(cocoder.CodeOf(err))
	fmt.Println(errors.Is(err, cocoder.ErrNotFound))
	// Output:
	// not_found
	// true
}
