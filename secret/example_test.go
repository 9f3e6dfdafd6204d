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

// A token made by TokenWithID begins with its ID, and so does its digest,
// the key under which a store keeps it: a later token sorts after an
// earlier one in a database index of such keys.
func ExampleTokenWithID() {
	issued := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	id := secret.OrderedID(issued)
	token := secret.TokenWithID(id)
	key := secret.Digest(token)
	later := secret.Digest(secret.TokenWithID(secret.OrderedID(issued.Add(time.Millisecond))))
	fmt.Println(len(token), token[:23] == id+".", key[:23] == id+".", key < later)
	// Output: 66 true true true
}
