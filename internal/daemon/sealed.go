package daemon

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/grantry/grantry/keyset"
)

// Names of the settings that hold keys, sealed with the key-encryption
// key: the master key of the CSRF tokens, and the secret of the pairwise
// subjects (OpenID Connect Core 1.0 §8.1).
const (
	settingSessionKey     = "session_key"
	settingPairwiseSecret = "pairwise_secret"
)

// sealedPrefix starts the value of a setting sealed with the
// key-encryption key; a value without it is a key in clear, base64url, as
// earlier versions stored it.
const sealedPrefix = "sealed1:"

// settingKeySize is the size of the keys kept in the settings.
const settingKeySize = 32

// keyring is what a key setting seals: its current key, and the keys it
// replaced, each accepted until a time (a grace period for the CSRF
// tokens of forms already shown).
type keyring struct {
	Current []byte       `json:"current"`
	Retired []retiredKey `json:"retired,omitempty"`
}

// retiredKey is a replaced key and the end of its grace period.
type retiredKey struct {
	Key   []byte    `json:"key"`
	Until time.Time `json:"until"`
}

// settingKeys keeps keys in the settings of the database, sealed with the
// key-encryption key, so that a copy of the database without it reveals
// none.
type settingKeys struct {
	store  settingStore
	sealer *keyset.Sealer
	kek    *kek
	now    func() time.Time
	// sealedNow is set when a key kept in clear was sealed.
	sealedNow bool
}

// newSettingKeys returns the keys of b's settings, sealed with k; the
// store may be nil, for a backend without settings.
func newSettingKeys(b *backend, k *kek) (*settingKeys, error) {
	sealer, err := keyset.NewSealer(k.key)
	if err != nil {
		return nil, err
	}
	return &settingKeys{store: b.settings, sealer: sealer, kek: k, now: time.Now}, nil
}

// scrub rewrites the database, once keys kept in clear were sealed, so
// that its files no longer hold them.
func (s *settingKeys) scrub(ctx context.Context, b *backend, log *slog.Logger) error {
	if !s.sealedNow || b.scrub == nil {
		return nil
	}
	if err := b.scrub(ctx); err != nil {
		return fmt.Errorf("removing the keys kept in clear from the database files: %w", err)
	}
	log.Info("rewrote the database files, which no longer hold the keys in clear; copies made before still do")
	return nil
}

// maxSwaps bounds the attempts of load and rotate against processes that
// change the setting at the same time.
const maxSwaps = 5

// load returns the keyring of the setting name, generating it when there
// is none. A key in clear, stored by an earlier version, is sealed in
// place, unchanged (pairwise subjects must stay the same); sealed then
// says so. raw is the value stored.
func (s *settingKeys) load(ctx context.Context, name string) (ring *keyring, raw string, sealed bool, err error) {
	fresh, err := s.seal(name, &keyring{Current: randomKey()})
	if err != nil {
		return nil, "", false, err
	}
	for range maxSwaps {
		raw, err = s.store.LoadOrStoreSetting(ctx, name, fresh)
		if err != nil {
			return nil, "", false, fmt.Errorf("loading the %s: %w", name, err)
		}
		if strings.HasPrefix(raw, sealedPrefix) {
			ring, err = s.open(name, raw)
			return ring, raw, sealed, err
		}
		ring, err = plainKey(name, raw)
		if err != nil {
			return nil, "", false, err
		}
		v, err := s.seal(name, ring)
		if err != nil {
			return nil, "", false, err
		}
		ok, err := s.store.CompareAndSwapSetting(ctx, name, raw, v)
		if err != nil {
			return nil, "", false, fmt.Errorf("sealing the %s: %w", name, err)
		}
		if ok {
			return ring, v, true, nil
		}
		// Another process sealed it first: read what it stored.
	}
	return nil, "", false, fmt.Errorf("the %s keeps changing: try again", name)
}

// rotate replaces the current key of the setting name by a fresh one,
// keeping the replaced key for grace, and the retired keys whose grace
// has not ended.
func (s *settingKeys) rotate(ctx context.Context, name string, grace time.Duration) (*keyring, error) {
	for range maxSwaps {
		old, raw, _, err := s.load(ctx, name)
		if err != nil {
			return nil, err
		}
		now := s.now()
		next := &keyring{Current: randomKey(), Retired: []retiredKey{{Key: old.Current, Until: now.Add(grace).UTC()}}}
		for _, r := range old.Retired {
			if r.Until.After(now) {
				next.Retired = append(next.Retired, r)
			}
		}
		v, err := s.seal(name, next)
		if err != nil {
			return nil, err
		}
		ok, err := s.store.CompareAndSwapSetting(ctx, name, raw, v)
		if err != nil {
			return nil, fmt.Errorf("rotating the %s: %w", name, err)
		}
		if ok {
			return next, nil
		}
	}
	return nil, fmt.Errorf("the %s keeps changing: try again", name)
}

func (s *settingKeys) seal(name string, ring *keyring) (string, error) {
	plain, err := json.Marshal(ring)
	if err != nil {
		return "", err
	}
	sealed, err := s.sealer.SealSecret(plain, settingLabel(name))
	if err != nil {
		return "", err
	}
	return sealedPrefix + base64.RawURLEncoding.EncodeToString(sealed), nil
}

func (s *settingKeys) open(name, raw string) (*keyring, error) {
	b64, ok := strings.CutPrefix(raw, sealedPrefix)
	sealed, err := base64.RawURLEncoding.DecodeString(b64)
	if !ok || err != nil {
		return nil, fmt.Errorf("the stored %s is malformed", name)
	}
	plain, err := s.sealer.OpenSecret(sealed, settingLabel(name))
	if err != nil {
		return nil, err
	}
	var ring keyring
	if err := json.Unmarshal(plain, &ring); err != nil || len(ring.Current) != settingKeySize {
		return nil, fmt.Errorf("the stored %s is malformed", name)
	}
	return &ring, nil
}

// plainKey reads a key stored in clear by an earlier version.
func plainKey(name, raw string) (*keyring, error) {
	k, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || len(k) != settingKeySize {
		return nil, fmt.Errorf("the stored %s is malformed", name)
	}
	return &keyring{Current: k}, nil
}

func randomKey() []byte {
	k := make([]byte, settingKeySize)
	_, _ = rand.Read(k)
	return k
}

// explainSealedSetting makes the error of a key-encryption key that
// cannot open a sealed setting say what to do.
func explainSealedSetting(err error, k *kek) error {
	if errors.Is(err, keyset.ErrSealed) {
		return fmt.Errorf("the key-encryption key (%s) cannot open the keys sealed in the database's settings: give the key they were sealed with (%s or --key-encryption-key-file): %w",
			k.source, kekEnv, err)
	}
	return err
}

// settingLabel is the label a key kept in the settings is sealed under:
// in a domain of its own, apart from the client secrets
// (authserver.SealClientSecret), so that neither can stand for the other.
func settingLabel(name string) string { return "setting\x00" + name }
