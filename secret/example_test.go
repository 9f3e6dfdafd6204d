package secret_test

import (
	"fmt"
	"time"

	"github.com/grantry/grantry/secret"
)

// An OrderedID made later sorts after one made earlier, so that a
// database index of such IDs grows at its end.
func ExampleOrderedID() {
	issued := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	first := secret.OrderedID(issued)
	next := secret.OrderedID(issued.Add(time.Millisecond))
	fmt.Println(len(first), first < next)
	// Output: 22 true
}
