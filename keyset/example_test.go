package keyset_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/grantry/grantry/keyset"
)

// A signer publishes its keys and rotates them; a relying party verifies
// through a cached copy of the published set.
func Example() {
	ctx := context.Background()
	first, _ := keyset.GenerateKey(keyset.ES256)
	set, _ := keyset.NewSet(first)

	srv := httptest.NewServer(&keyset.Handler{Set: set})
	defer srv.Close()
	remote, _ := keyset.NewRemote(srv.URL, keyset.RemoteConfig{})

	old, _ := set.SignJWT(map[string]string{"sub": "alice"}, "JWT")

	// Rotate: the new key signs, the old one still verifies.
	next, _ := keyset.GenerateKey(keyset.EdDSA)
	set.Rotate(next)
	fresh, _ := set.SignJWT(map[string]string{"sub": "bob"}, "JWT")

	allowed := []keyset.Algorithm{keyset.ES256, keyset.EdDSA}
	for _, tok := range []string{old, fresh} {
		v, err := keyset.Verify(ctx, tok, remote, allowed)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(v.Header.Algorithm, string(v.Payload))
	}
	// Output:
	// ES256 {"sub":"alice"}
	// EdDSA {"sub":"bob"}
}
