package dpop

import (
	"errors"
	"net/http"

	"github.com/grantry/grantry"
)

// ErrNoProof is returned by Verifier.Verify for a request without a DPoP
// header: the caller decides whether a proof was needed.
var ErrNoProof = errors.New("dpop: the request carries no DPoP proof")

// NonceHeader is the header in which a server hands out a nonce for the
// client's next proofs (RFC 9449 §8.1).
const NonceHeader = "DPoP-Nonce"

// invalidProof is the error for a proof that fails a check of RFC 9449
// §4.3. Its status is the caller's: 400 at the token endpoint, 401 at a
// resource.
func invalidProof(description string) *grantry.Error {
	return grantry.NewError(grantry.ErrInvalidDPoPProof, description)
}

// useNonce is the error asking for a proof with the nonce it gives
// (RFC 9449 §8, §9).
func useNonce(nonce string) *grantry.Error {
	e := grantry.NewError(grantry.ErrUseDPoPNonce, "the DPoP proof must carry the nonce of the DPoP-Nonce header")
	e.Header = make(http.Header, 1)
	e.Header.Set(NonceHeader, nonce)
	return e
}
