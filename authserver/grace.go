package authserver

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/grantry/grantry"
)

// A refresh token rotated with a grace period (Config.RefreshGracePeriod)
// keeps its successor's token response, so that presenting it again
// within the period answers the same new tokens. Tokens are stored only
// as digests, so the response is kept sealed: encrypted with AES-256-GCM
// under a key derived from the old refresh token itself, which the server
// never stores. A copy of the database opens nothing, no server key needs
// keeping or rotating, and whoever can open the response holds the old
// refresh token, which within the period earns that response anyway. The
// digest of the old refresh token is the additional data, so a sealed
// response cannot be moved to another token.

// graceKeyLabel separates the sealing key from the digest a refresh
// token is stored as.
const graceKeyLabel = "grantry refresh grace v1"

var errSealedSuccessor = errors.New("authserver: cannot open the sealed response of a rotated refresh token")

func graceAEAD(refresh string) (cipher.AEAD, error) {
	mac := hmac.New(sha256.New, []byte(refresh))
	mac.Write([]byte(graceKeyLabel))
	block, err := aes.NewCipher(mac.Sum(nil))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// sealSuccessor seals resp, the answer to the rotation iss asks for.
func sealSuccessor(iss *Issue, resp *grantry.TokenResponse) (string, error) {
	body, err := resp.MarshalJSON()
	if err != nil {
		return "", err
	}
	aead, err := graceAEAD(iss.RotateToken)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := aead.Seal(nonce, nonce, body, []byte(iss.RotateFrom))
	return base64.RawURLEncoding.EncodeToString(out), nil
}

// openSuccessor opens the response a rotation of the refresh token of iss
// kept sealed.
func openSuccessor(iss *Issue, sealed string) (*grantry.TokenResponse, error) {
	raw, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil {
		return nil, grantry.ServerError(fmt.Errorf("%w: %v", errSealedSuccessor, err))
	}
	aead, err := graceAEAD(iss.RotateToken)
	if err != nil {
		return nil, grantry.ServerError(err)
	}
	if len(raw) < aead.NonceSize() {
		return nil, grantry.ServerError(errSealedSuccessor)
	}
	body, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(iss.RotateFrom))
	if err != nil {
		return nil, grantry.ServerError(errSealedSuccessor)
	}
	resp, err := decodeTokenResponse(body)
	if err != nil {
		return nil, grantry.ServerError(fmt.Errorf("%w: %v", errSealedSuccessor, err))
	}
	return resp, nil
}

// decodeTokenResponse reads back a response written by
// grantry.TokenResponse.MarshalJSON: extra parameters are kept as the
// JSON they were, so the response is written again byte for byte.
func decodeTokenResponse(body []byte) (*grantry.TokenResponse, error) {
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	var (
		resp  grantry.TokenResponse
		scope string
	)
	fields := map[string]any{
		"access_token": &resp.AccessToken, "token_type": &resp.TokenType,
		"expires_in": &resp.ExpiresIn, "refresh_token": &resp.RefreshToken, "scope": &scope,
	}
	for name, v := range m {
		dst, ok := fields[name]
		if !ok {
			resp.Set(name, v)
			continue
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return nil, err
		}
	}
	sc, err := grantry.ParseScope(scope)
	if err != nil {
		return nil, err
	}
	resp.Scope = sc
	return &resp, nil
}
