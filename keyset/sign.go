package keyset

import (
	"encoding/json"
	"errors"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
)

// SignJWT encodes claims as JSON and signs them, returning a JWS in compact
// serialization whose protected header holds alg, kid and, when typ is not
// empty, typ (for example "JWT" or "at+jwt"). claims may be a []byte or
// json.RawMessage holding the JSON payload itself.
func (k *Key) SignJWT(claims any, typ string) (string, error) {
	payload, err := encodeClaims(claims)
	if err != nil {
		return "", err
	}
	signer, err := k.joseSigner(typ)
	if err != nil {
		return "", err
	}
	return sign(signer, payload)
}

// joseSigner returns a signer for the typ header, made once per typ.
func (k *Key) joseSigner(typ string) (jose.Signer, error) {
	if s, ok := k.cache.Load(typ); ok {
		return s.(jose.Signer), nil
	}
	s, err := jose.NewSigner(k.signing, signerOptions(typ))
	if err != nil {
		return nil, fmt.Errorf("keyset: %w", err)
	}
	k.cache.Store(typ, s)
	return s, nil
}

// SignJWTWithSecret signs claims with an HMAC algorithm and a shared secret,
// as a client does for client_secret_jwt authentication (RFC 7523 §2.2,
// OpenID Connect Core 1.0 §9). The secret must be at least as long as the
// hash output: 32 bytes for HS256 (RFC 7518 §3.2).
func SignJWTWithSecret(secret []byte, alg Algorithm, claims any, typ string) (string, error) {
	if !alg.Symmetric() {
		return "", fmt.Errorf("keyset: %q is not an HMAC algorithm", alg)
	}
	if len(secret) < alg.Hash().Size() {
		return "", fmt.Errorf("keyset: %s secret of %d bytes, want at least %d", alg, len(secret), alg.Hash().Size())
	}
	payload, err := encodeClaims(claims)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: secret}, signerOptions(typ))
	if err != nil {
		return "", fmt.Errorf("keyset: %w", err)
	}
	return sign(signer, payload)
}

func signerOptions(typ string) *jose.SignerOptions {
	opts := &jose.SignerOptions{}
	if typ != "" {
		opts.WithType(jose.ContentType(typ))
	}
	return opts
}

func encodeClaims(claims any) ([]byte, error) {
	switch c := claims.(type) {
	case []byte:
		if !json.Valid(c) {
			return nil, errors.New("keyset: claims are not valid JSON")
		}
		return c, nil
	case json.RawMessage:
		if !json.Valid(c) {
			return nil, errors.New("keyset: claims are not valid JSON")
		}
		return c, nil
	}
	b, err := json.Marshal(claims)
	if err != nil {
		return nil, fmt.Errorf("keyset: encoding claims: %w", err)
	}
	return b, nil
}

func sign(s jose.Signer, payload []byte) (string, error) {
	jws, err := s.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("keyset: signing: %w", err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		return "", fmt.Errorf("keyset: signing: %w", err)
	}
	return out, nil
}
