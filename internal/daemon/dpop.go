package daemon

import (
	"crypto/hmac"
	"crypto/sha256"

	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/dpop"
)

// dpopConfig returns the DPoP configuration of the token endpoint
// (RFC 9449), nil with --dpop=false. Proofs are remembered in Redis when
// --redis is set, so that no process accepts a proof another has seen;
// otherwise in this process only. With --dpop-nonce every proof must carry
// a nonce of the server: nonces are made under a key derived from the
// session key, which the processes sharing a database share, so any of
// them accepts the nonce another handed out.
func dpopConfig(cfg *serveConfig, b *backend, sessionKey []byte) (*authserver.DPoPConfig, error) {
	if !cfg.DPoP {
		return nil, nil
	}
	vc := dpop.Config{Replay: b.replay}
	if cfg.DPoPNonce {
		mac := hmac.New(sha256.New, sessionKey)
		mac.Write([]byte("grantry dpop nonce"))
		n, err := dpop.NewNonces(mac.Sum(nil), 0, nil)
		if err != nil {
			return nil, err
		}
		vc.Nonces = n
	}
	return &authserver.DPoPConfig{Verifier: dpop.NewVerifier(vc), RequirePublicClients: cfg.RequireDPoPPublic}, nil
}
