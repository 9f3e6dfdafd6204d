package oidc

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

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
// hold. It decodes with encoding/json, which matches struct fields to claim
// names without regard to case; decode into a map to see the exact names.
func (t *IDToken) Claims(v any) error {
	return json.Unmarshal(t.payload, v)
}

// maxSubjectLength is the longest sub allowed: 255 ASCII characters
// (OpenID Connect Core 1.0 §2).
const maxSubjectLength = 255

// idClaims is the wire form of the ID token claims. Claim names match
// exactly (RFC 7519 §7.3), a claim named twice is rejected (RFC 7519 §4),
// and decoding fails on claims of the wrong type.
type idClaims struct {
	Iss      string       `json:"iss"`
	Sub      string       `json:"sub"`
	Aud      audience     `json:"aud"`
	Azp      string       `json:"azp"`
	Exp      *numericDate `json:"exp"`
	Iat      *numericDate `json:"iat"`
	Nbf      *numericDate `json:"nbf"`
	AuthTime *numericDate `json:"auth_time"`
	Nonce    string       `json:"nonce"`
	ACR      string       `json:"acr"`
	AMR      []string     `json:"amr"`
	Sid      string       `json:"sid"`
	AtHash   string       `json:"at_hash"`
	CHash    string       `json:"c_hash"`
}

// parseIDToken decodes the claims of a verified token and checks that the
// required ones are present (OpenID Connect Core 1.0 §2).
func parseIDToken(raw string, v *keyset.Verified) (*IDToken, error) {
	var c idClaims
	if err := decodeExact(v.Payload, &c); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrClaims, err)
	}
	if err := c.checkRequired(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrClaims, err)
	}
	return &IDToken{
		Issuer: c.Iss, Subject: c.Sub, Audience: c.Aud, AuthorizedParty: c.Azp,
		Expiry: c.Exp.time(), IssuedAt: c.Iat.time(), NotBefore: c.Nbf.time(), AuthTime: c.AuthTime.time(),
		Nonce: c.Nonce, ACR: c.ACR, AMR: c.AMR, SessionID: c.Sid, AccessTokenHash: c.AtHash, CodeHash: c.CHash,
		Algorithm: v.Header.Algorithm, KeyID: v.Header.KeyID, Raw: raw, payload: v.Payload,
	}, nil
}

// checkRequired checks that the claims OpenID Connect Core 1.0 §2 makes
// REQUIRED are present, with a sub of at most 255 characters.
func (c *idClaims) checkRequired() error {
	switch {
	case c.Iss == "":
		return errors.New("iss is missing")
	case c.Sub == "":
		return errors.New("sub is missing")
	case len(c.Sub) > maxSubjectLength:
		return errors.New("sub is longer than 255 characters")
	case len(c.Aud) == 0:
		return errors.New("aud is missing")
	case c.Exp == nil:
		return errors.New("exp is missing")
	case c.Iat == nil:
		return errors.New("iat is missing")
	}
	return nil
}

// audience is the aud claim: one string or an array of strings (RFC 7519
// §4.1.3). Every audience must be a non-empty string: an empty one names
// no client, and a null would otherwise decode as one.
type audience []string

// UnmarshalJSON decodes a string or an array of strings.
func (a *audience) UnmarshalJSON(b []byte) error {
	var many []*string
	if err := json.Unmarshal(b, &many); err != nil {
		var one *string
		if json.Unmarshal(b, &one) != nil {
			return errors.New("aud is neither a string nor an array of strings")
		}
		many = []*string{one}
	}
	out := make(audience, 0, len(many))
	for _, s := range many {
		if s == nil || *s == "" {
			return errors.New("aud has an empty or null member")
		}
		out = append(out, *s)
	}
	*a = out
	return nil
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
