package dpop_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/grantry/grantry/dpop"
	"github.com/grantry/grantry/keyset"
)

// A client signs a proof for a request; the server checks it and binds
// tokens to the proof's key by its thumbprint.
func Example() {
	key, err := keyset.GenerateKey(keyset.ES256)
	if err != nil {
		panic(err)
	}
	proof, err := dpop.Sign(key, dpop.ProofClaims{Method: "POST", URI: "https://as.example/token"})
	if err != nil {
		panic(err)
	}

	r := httptest.NewRequest("POST", "https://as.example/token", nil)
	r.Header.Set("DPoP", proof)
	v := dpop.NewVerifier(dpop.Config{})
	p, err := v.Verify(context.Background(), r, "https://as.example/token", "")
	if err != nil {
		panic(err)
	}
	jkt, _ := keyset.Thumbprint(key.Public().Key)
	fmt.Println(p.JKT == jkt)
	// Output: true
}
