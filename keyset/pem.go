package keyset

import (
	"crypto"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
)

// ParsePEM returns a signing key from the first PEM block of data: a PKCS #8
// "PRIVATE KEY", a PKCS #1 "RSA PRIVATE KEY" or a SEC 1 "EC PRIVATE KEY".
// alg and kid are as for [NewKey].
func ParsePEM(data []byte, alg Algorithm, kid string) (*Key, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("keyset: no PEM block found")
	}
	var (
		priv any
		err  error
	)
	switch block.Type {
	case "PRIVATE KEY":
		priv, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		priv, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		priv, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("keyset: unsupported PEM block %q", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("keyset: parsing %s: %w", block.Type, err)
	}
	signer, ok := priv.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("keyset: %T is not a signing key", priv)
	}
	return NewKey(signer, alg, kid)
}

// ParseJWK returns a signing key from a private JWK (RFC 7517 §4, RFC 7518
// §6). Its kid and alg members are used when present; otherwise they are
// derived as for [NewKey].
func ParseJWK(data []byte) (*Key, error) {
	if !json.Valid(data) {
		return nil, errors.New("keyset: JWK is not valid JSON")
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(data); err != nil {
		return nil, fmt.Errorf("keyset: parsing JWK: %w", err)
	}
	signer, ok := jwk.Key.(crypto.Signer)
	if !ok || jwk.IsPublic() {
		return nil, errors.New("keyset: JWK is not a private signing key")
	}
	return NewKey(signer, Algorithm(jwk.Algorithm), jwk.KeyID)
}
