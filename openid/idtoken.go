package openid

import (
	"context"
	"crypto"
	_ "crypto/sha256" // at_hash of the *256 algorithms
	_ "crypto/sha512" // at_hash of the *384, *512 and EdDSA algorithms
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage"
)

// idClaims are the claims of an ID token the provider sets itself
// (Core §2, §3.3.2.11).
type idClaims struct {
	Issuer   string   `json:"iss"`
	Subject  string   `json:"sub"`
	Audience string   `json:"aud"`
	Expiry   int64    `json:"exp"`
	IssuedAt int64    `json:"iat"`
	AuthTime int64    `json:"auth_time,omitempty"`
	Nonce    string   `json:"nonce,omitempty"`
	ACR      string   `json:"acr,omitempty"`
	AMR      []string `json:"amr,omitempty"`
	AZP      string   `json:"azp"`
	AtHash   string   `json:"at_hash,omitempty"`
	CHash    string   `json:"c_hash,omitempty"`
	SID      string   `json:"sid,omitempty"`
}

// registered are the claim names the provider sets; user claims never
// replace them.
var registered = map[string]bool{
	"iss": true, "sub": true, "aud": true, "exp": true, "iat": true, "auth_time": true,
	"nonce": true, "acr": true, "amr": true, "azp": true, "at_hash": true, "c_hash": true, "sid": true,
}

// idTokenInput is what an ID token is made of.
type idTokenInput struct {
	client   *storage.Client
	subject  string // the user, as the server knows them
	issuedAt time.Time
	nonce    string
	// extra holds the session values kept with the code or token
	// (auth_time, sid, acr, amr, claims).
	extra       map[string]string
	accessToken string
	code        string
	// scope, when set, releases the user claims of its scope values in
	// the ID token, as for response_type=id_token (Core §5.4).
	scope grantry.Scope
}

// idToken makes and signs an ID token for the client.
func (p *Provider) idToken(ctx context.Context, in *idTokenInput) (string, error) {
	key, err := p.signingKey(in.client)
	if err != nil {
		return "", err
	}
	sub, err := p.subject(in.client, in.subject)
	if err != nil {
		return "", err
	}
	c := idClaims{
		Issuer: p.cfg.Issuer, Subject: sub, Audience: in.client.ID, AZP: in.client.ID,
		IssuedAt: in.issuedAt.Unix(), Expiry: in.issuedAt.Add(p.cfg.IDTokenLifetime).Unix(),
		Nonce: in.nonce, ACR: in.extra[authserver.ExtraACR], SID: in.extra[authserver.ExtraSessionID],
		AMR: strings.Fields(in.extra[authserver.ExtraAMR]),
	}
	if at, err := strconv.ParseInt(in.extra[extraAuthTime], 10, 64); err == nil {
		c.AuthTime = at
	}
	h := key.Algorithm().Hash()
	c.AtHash, c.CHash = halfHash(h, in.accessToken), halfHash(h, in.code)
	user, err := p.idTokenClaims(ctx, in)
	if err != nil {
		return "", err
	}
	payload, err := encodeIDToken(&c, user)
	if err != nil {
		return "", grantry.ServerError(err)
	}
	tok, err := key.SignJWT(payload, "JWT")
	if err != nil {
		return "", grantry.ServerError(err)
	}
	return tok, nil
}

// encodeIDToken writes the provider's claims, then the user's.
func encodeIDToken(c *idClaims, user map[string]any) ([]byte, error) {
	b, err := json.Marshal(c)
	if err != nil || len(user) == 0 {
		return b, err
	}
	for name := range user {
		if registered[name] {
			delete(user, name)
		}
	}
	more, err := json.Marshal(user)
	if err != nil || len(more) <= 2 {
		return b, err
	}
	b[len(b)-1] = ','
	return append(b, more[1:]...), nil
}

// halfHash is at_hash or c_hash: the left half of the hash of the value,
// base64url encoded (Core §3.3.2.11); "" for an empty value.
func halfHash(h crypto.Hash, value string) string {
	if value == "" || !h.Available() {
		return ""
	}
	d := h.New()
	d.Write([]byte(value))
	sum := d.Sum(nil)
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

// signingKey returns the key that signs the client's ID tokens: the key
// of its id_token_signed_response_alg, or the active key.
func (p *Provider) signingKey(c *storage.Client) (*keyset.Key, error) {
	set := p.cfg.Keys()
	if set == nil {
		return nil, grantry.ServerError(errNoKey)
	}
	if alg := keyset.Algorithm(c.IDTokenSignedResponseAlg); alg != "" {
		if k, ok := set.SignerFor(alg); ok {
			return k, nil
		}
		return nil, grantry.NewError(grantry.ErrUnauthorizedClient, "the provider has no key for the client's id_token_signed_response_alg")
	}
	if k := set.Active(); k != nil {
		return k, nil
	}
	return nil, grantry.ServerError(errNoKey)
}
