package keyset

import (
	"context"
	"errors"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
)

// maxTokenBytes bounds the size of a JWS this package parses.
const maxTokenBytes = 256 << 10

// KeySource resolves the public keys that may have signed a token. Lookup
// returns the keys whose key ID is kid, or every current key when kid is
// empty, and an error wrapping [ErrUnknownKey] when there is none.
// [*Set], [*JWKS] and [*Remote] implement it.
type KeySource interface {
	Lookup(ctx context.Context, kid string) ([]PublicKey, error)
}

// Header holds the protected header parameters of a verified JWS that its
// users commonly check (RFC 7515 §4.1).
type Header struct {
	Algorithm   Algorithm
	KeyID       string
	Type        string // typ
	ContentType string // cty
}

// Verified is a JWS whose signature has been checked.
type Verified struct {
	Header  Header
	Payload []byte
	Key     PublicKey // the key that verified the signature
}

// Verify checks the signature of a JWS in compact serialization with the
// keys from src, accepting only the asymmetric algorithms in algs. The kid
// header selects the candidate keys; without one every key of the source is
// tried. Keys in the token's own header (jwk, jku, x5u, x5c) are never
// trusted. A token with a crit header is rejected, as this package
// understands no extension (RFC 7515 §4.1.11).
//
// The claims in the payload are not checked: that is the caller's part.
func Verify(ctx context.Context, token string, src KeySource, algs []Algorithm) (*Verified, error) {
	if src == nil {
		return nil, fmt.Errorf("%w: no key source", ErrUnknownKey)
	}
	jws, hdr, err := parse(token, joseAlgorithms(algs, false))
	if err != nil {
		return nil, err
	}
	keys, err := src.Lookup(ctx, hdr.KeyID)
	if err != nil {
		return nil, err
	}
	tried := false
	for _, k := range keys {
		if !k.usableFor(hdr.Algorithm) {
			continue
		}
		tried = true
		if payload, err := jws.Verify(k.Key); err == nil {
			return &Verified{Header: hdr, Payload: payload, Key: k}, nil
		}
	}
	if !tried {
		return nil, fmt.Errorf("%w: no key with kid %q fits %s", ErrUnknownKey, hdr.KeyID, hdr.Algorithm)
	}
	return nil, ErrSignature
}

// VerifyWithSecret checks the HMAC signature of a JWS in compact
// serialization with a shared secret, accepting only the HMAC algorithms in
// algs.
func VerifyWithSecret(token string, secret []byte, algs []Algorithm) (*Verified, error) {
	jws, hdr, err := parse(token, joseAlgorithms(algs, true))
	if err != nil {
		return nil, err
	}
	if len(secret) < hdr.Algorithm.Hash().Size() {
		return nil, fmt.Errorf("%w: secret too short for %s", ErrSignature, hdr.Algorithm)
	}
	payload, err := jws.Verify(secret)
	if err != nil {
		return nil, ErrSignature
	}
	return &Verified{Header: hdr, Payload: payload}, nil
}

// parse parses a compact JWS and checks its header.
func parse(token string, algs []jose.SignatureAlgorithm) (*jose.JSONWebSignature, Header, error) {
	if len(algs) == 0 {
		return nil, Header{}, fmt.Errorf("%w: no usable algorithm allowed", ErrAlgorithm)
	}
	if len(token) > maxTokenBytes {
		return nil, Header{}, fmt.Errorf("%w: token too large", ErrMalformed)
	}
	jws, err := jose.ParseSignedCompact(token, algs)
	if err != nil {
		var algErr *jose.ErrUnexpectedSignatureAlgorithm
		if errors.As(err, &algErr) {
			return nil, Header{}, fmt.Errorf("%w: %q", ErrAlgorithm, algErr.Got)
		}
		return nil, Header{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	h := jws.Signatures[0].Protected
	if _, ok := h.ExtraHeaders["crit"]; ok {
		return nil, Header{}, fmt.Errorf("%w: unsupported crit header", ErrMalformed)
	}
	hdr := Header{Algorithm: Algorithm(h.Algorithm), KeyID: h.KeyID}
	var ok bool
	if hdr.Type, ok = stringHeader(h, jose.HeaderType); !ok {
		return nil, Header{}, fmt.Errorf("%w: typ is not a string", ErrMalformed)
	}
	if hdr.ContentType, ok = stringHeader(h, jose.HeaderContentType); !ok {
		return nil, Header{}, fmt.Errorf("%w: cty is not a string", ErrMalformed)
	}
	return jws, hdr, nil
}

func stringHeader(h jose.Header, name jose.HeaderKey) (string, bool) {
	v, present := h.ExtraHeaders[name]
	if !present {
		return "", true
	}
	s, ok := v.(string)
	return s, ok
}
