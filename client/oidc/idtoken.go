package oidc

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/grantry/grantry/client/oauth2"
	"github.com/grantry/grantry/keyset"
)

// IDToken is a validated ID token (OpenID Connect Core 1.0 §2).
type IDToken struct {
	Issuer          string
	Subject         string
	Audience        []string
	AuthorizedParty string // azp
	Expiry          time.Time
	IssuedAt        time.Time
	NotBefore       time.Time // zero when absent
	AuthTime        time.Time // zero when absent
	Nonce           string
	ACR             string   // acr
	AMR             []string // amr
	SessionID       string   // sid
	AccessTokenHash string   // at_hash
	CodeHash        string   // c_hash

	Algorithm keyset.Algorithm // alg of the signature
	KeyID     string           // kid of the signature
	Raw       string           // the token as received

	payload []byte
}

// Claims decodes the token's claims into v, for claims the struct does not
// hold.
func (t *IDToken) Claims(v any) error {
	return json.Unmarshal(t.payload, v)
}

// idClaims is the wire form of the ID token claims; decoding fails on
// members of the wrong type.
type idClaims struct {
	Iss      string          `json:"iss"`
	Sub      string          `json:"sub"`
	Aud      oauth2.Audience `json:"aud"`
	Azp      string          `json:"azp"`
	Exp      *numericDate    `json:"exp"`
	Iat      *numericDate    `json:"iat"`
	Nbf      *numericDate    `json:"nbf"`
	AuthTime *numericDate    `json:"auth_time"`
	Nonce    string          `json:"nonce"`
	ACR      string          `json:"acr"`
	AMR      []string        `json:"amr"`
	Sid      string          `json:"sid"`
	AtHash   string          `json:"at_hash"`
	CHash    string          `json:"c_hash"`
}

// parseIDToken decodes the claims of a verified token and checks that the
// required ones are present (OpenID Connect Core 1.0 §2).
func parseIDToken(raw string, v *keyset.Verified) (*IDToken, error) {
	var c idClaims
	if err := json.Unmarshal(v.Payload, &c); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrClaims, err)
	}
	switch {
	case c.Iss == "":
		return nil, fmt.Errorf("%w: iss is missing", ErrClaims)
	case c.Sub == "":
		return nil, fmt.Errorf("%w: sub is missing", ErrClaims)
	case len(c.Aud) == 0:
		return nil, fmt.Errorf("%w: aud is missing", ErrClaims)
	case c.Exp == nil:
		return nil, fmt.Errorf("%w: exp is missing", ErrClaims)
	case c.Iat == nil:
		return nil, fmt.Errorf("%w: iat is missing", ErrClaims)
	}
	return &IDToken{
		Issuer: c.Iss, Subject: c.Sub, Audience: c.Aud, AuthorizedParty: c.Azp,
		Expiry: c.Exp.time(), IssuedAt: c.Iat.time(), NotBefore: c.Nbf.time(), AuthTime: c.AuthTime.time(),
		Nonce: c.Nonce, ACR: c.ACR, AMR: c.AMR, SessionID: c.Sid, AccessTokenHash: c.AtHash, CodeHash: c.CHash,
		Algorithm: v.Header.Algorithm, KeyID: v.Header.KeyID, Raw: raw, payload: v.Payload,
	}, nil
}

// numericDate is a JSON number of seconds since the epoch (RFC 7519 §2).
type numericDate float64

func (n *numericDate) time() time.Time {
	if n == nil {
		return time.Time{}
	}
	s := math.Max(math.Min(float64(*n), 1<<40), -(1 << 40))
	whole, frac := math.Modf(s)
	return time.Unix(int64(whole), int64(frac*1e9))
}
