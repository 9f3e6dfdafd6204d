package accesstoken

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage"
)

// JWTType is the typ header of a JWT access token (RFC 9068 §2.1).
const JWTType = "at+jwt"

// Keys of storage.Token.Extra that a JWTGenerator reads for the
// authentication claims of RFC 9068 §2.2.1: how and when the user
// authenticated, as the server and its OpenID Connect provider keep them.
const (
	ExtraAuthTime = "auth_time" // seconds since the epoch
	ExtraACR      = "acr"
	ExtraAMR      = "amr" // methods separated by spaces
)

// JWTConfig configures a JWTGenerator.
type JWTConfig struct {
	// Issuer is the iss claim: the authorization server's issuer
	// identifier. Required.
	Issuer string
	// Keys returns the signing keys at the time of a request, such as the
	// current set of a keyset.Manager; the active key signs. Required.
	Keys func() *keyset.Set
	// Audience is the default resource indicator, the aud of a token
	// whose request named no resource (RFC 9068 §3); empty means Issuer,
	// the authorization server itself as the resource (its UserInfo
	// endpoint, for one).
	Audience []string
}

// JWTGenerator makes access tokens in the JWT profile of RFC 9068, signed
// with the active key of the server's key set. It is an
// authserver.AccessTokenGenerator: the server still stores the token's
// digest under its record, whose ID is the jti, so revocation and
// introspection work as for opaque tokens. It is safe for concurrent use.
type JWTGenerator struct {
	issuer   string
	keys     func() *keyset.Set
	audience []string
}

// NewJWTGenerator returns a generator, or an error when Issuer or Keys is
// missing.
func NewJWTGenerator(cfg JWTConfig) (*JWTGenerator, error) {
	if cfg.Issuer == "" {
		return nil, errors.New("accesstoken: JWTConfig.Issuer is required")
	}
	if cfg.Keys == nil {
		return nil, errors.New("accesstoken: JWTConfig.Keys is required")
	}
	aud := append([]string(nil), cfg.Audience...)
	if len(aud) == 0 {
		aud = []string{cfg.Issuer}
	}
	return &JWTGenerator{issuer: cfg.Issuer, keys: cfg.Keys, audience: aud}, nil
}

// jwtClaims are the claims of RFC 9068 §2.2, in the order written.
type jwtClaims struct {
	Issuer   string      `json:"iss"`
	Subject  string      `json:"sub"`
	Audience audience    `json:"aud"`
	Expiry   numericDate `json:"exp"`
	IssuedAt numericDate `json:"iat"`
	ID       string      `json:"jti"`
	ClientID string      `json:"client_id"`
	Scope    string      `json:"scope,omitempty"`
	AuthTime numericDate `json:"auth_time,omitempty"`
	ACR      string      `json:"acr,omitempty"`
	AMR      []string    `json:"amr,omitempty"`
	// Act names the party acting for the subject, in a token issued by
	// delegation (RFC 8693 §4.1).
	Act json.RawMessage `json:"act,omitempty"`
	// Cnf binds the token to a DPoP key (RFC 9449 §6.1).
	Cnf *confirmation `json:"cnf,omitempty"`
}

// confirmation is a cnf claim (RFC 7800 §3.1) holding the JWK SHA-256
// thumbprint of a DPoP key (RFC 9449 §6.1).
type confirmation struct {
	JKT string `json:"jkt"`
}

// numericDate is a time in seconds since the epoch (RFC 7519 §2). Written
// as an integer, it is read from any JSON number in the range of int64,
// its fraction dropped.
type numericDate int64

func (d *numericDate) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	if f != f || f < -(1<<62) || f > 1<<62 {
		return errors.New("time out of range")
	}
	*d = numericDate(f)
	return nil
}

func (d numericDate) time() time.Time { return time.Unix(int64(d), 0).UTC() }

// audience is an aud claim: a string when it has one value, an array
// otherwise (RFC 7519 §4.1.3).
type audience []string

func (a audience) MarshalJSON() ([]byte, error) {
	if len(a) == 1 {
		return json.Marshal(a[0])
	}
	return json.Marshal([]string(a))
}

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("aud is neither a string nor an array of strings")
	}
	*a = many
	return nil
}

// NewAccessToken signs the claims of t (RFC 9068 §2.2): sub is the user,
// or the client itself for a token no user is involved in, such as one of
// the client credentials grant; aud the resources the token is bound to
// (RFC 8707), or the default audience; jti the record's ID; act, for a
// token issued by delegation, the actor (RFC 8693 §4.1).
func (g *JWTGenerator) NewAccessToken(_ context.Context, t *storage.Token) (string, error) {
	set := g.keys()
	if set == nil {
		return "", keyset.ErrNoActiveKey
	}
	return set.SignJWT(g.claims(t), JWTType)
}

func (g *JWTGenerator) claims(t *storage.Token) *jwtClaims {
	c := &jwtClaims{
		Issuer: g.issuer, Subject: t.Subject, Audience: g.audienceOf(t),
		Expiry: numericDate(t.ExpiresAt.Unix()), IssuedAt: numericDate(t.IssuedAt.Unix()), ID: t.ID,
		ClientID: t.ClientID, Scope: t.Scope.String(),
	}
	if c.Subject == "" {
		// RFC 9068 §2.2: without a resource owner, sub identifies the
		// client.
		c.Subject = t.ClientID
	}
	if at, err := strconv.ParseInt(t.Extra[ExtraAuthTime], 10, 64); err == nil && at > 0 {
		c.AuthTime = numericDate(at)
	}
	c.ACR = t.Extra[ExtraACR]
	c.AMR = strings.Fields(t.Extra[ExtraAMR])
	if act := t.Actor(); act != nil {
		c.Act, _ = json.Marshal(act)
	}
	if t.JKT != "" {
		c.Cnf = &confirmation{JKT: t.JKT}
	}
	return c
}

// audienceOf returns the resources t is bound to, or the default.
func (g *JWTGenerator) audienceOf(t *storage.Token) audience {
	if len(t.Resource) > 0 {
		return audience(t.Resource)
	}
	return audience(g.audience)
}
