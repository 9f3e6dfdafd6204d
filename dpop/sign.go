package dpop

import (
	"time"

	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/secret"
)

// ProofClaims are what a client puts in a proof.
type ProofClaims struct {
	// Method and URI are the request's method and URI (htm, htu); the
	// query and fragment of URI are dropped.
	Method string
	URI    string
	// IssuedAt is the iat; zero means now.
	IssuedAt time.Time
	// AccessToken, when set, is the token the proof comes with to a
	// resource: its hash goes in ath.
	AccessToken string
	// Nonce is the server's last DPoP-Nonce, if any.
	Nonce string
}

type signedClaims struct {
	JTI   string `json:"jti"`
	HTM   string `json:"htm"`
	HTU   string `json:"htu"`
	IAT   int64  `json:"iat"`
	ATH   string `json:"ath,omitempty"`
	Nonce string `json:"nonce,omitempty"`
}

// Sign returns a DPoP proof for a request (RFC 9449 §4.2): a JWT of type
// dpop+jwt signed by key, with its public key in the jwk header and a
// random jti.
func Sign(key *keyset.Key, c ProofClaims) (string, error) {
	iat := c.IssuedAt
	if iat.IsZero() {
		iat = time.Now()
	}
	sc := signedClaims{JTI: secret.ID(), HTM: c.Method, HTU: stripQuery(c.URI), IAT: iat.Unix(), Nonce: c.Nonce}
	if c.AccessToken != "" {
		sc.ATH = ATH(c.AccessToken)
	}
	return key.SignJWTWithJWK(sc, ProofType)
}

// stripQuery drops the query and fragment of a URI (RFC 9449 §4.2, htu).
func stripQuery(uri string) string {
	for i := 0; i < len(uri); i++ {
		if uri[i] == '?' || uri[i] == '#' {
			return uri[:i]
		}
	}
	return uri
}
