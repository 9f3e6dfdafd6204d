package keyset

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/grantry/grantry/storage"
)

// Defaults of ManagerConfig.
const (
	// DefaultPublicationDelay is how long a next key is published before
	// it signs: long enough for relying parties that cache the JWK Set
	// for a day to fetch it.
	DefaultPublicationDelay = 24 * time.Hour
	// DefaultMaxTokenLifetime is how long a retired key stays published.
	DefaultMaxTokenLifetime = 24 * time.Hour
)

// ManagerConfig configures a Manager. The zero value is the safe one.
type ManagerConfig struct {
	// Algorithms are the algorithms that always have a signing key. The
	// first one's key is the active key of the set Load returns; the
	// others are published for clients that need them. Default ES256 and
	// RS256; add EdDSA to publish an Ed25519 key too.
	Algorithms []Algorithm
	// PublicationDelay is how long Rotate publishes a next key before it
	// signs. Default DefaultPublicationDelay.
	PublicationDelay time.Duration
	// MaxTokenLifetime is the longest lifetime of a token signed by these
	// keys: a retired key stays published that long after it stops
	// signing. Default DefaultMaxTokenLifetime.
	MaxTokenLifetime time.Duration
	// Now returns the current time. Default time.Now.
	Now func() time.Time
}

// Manager keeps the signing keys of a server in a storage.SigningKeyStore,
// sealed by a Sealer, and builds the Set they make at a given time. Every
// state of a key follows from its times (see storage.SigningKey), so
// processes sharing one store agree on the keys without coordination. A
// Manager is safe for concurrent use.
type Manager struct {
	mu       sync.Mutex // serialises the calls of one process
	store    storage.SigningKeyStore
	sealer   *Sealer
	algs     []Algorithm
	delay    time.Duration
	lifetime time.Duration
	clock    func() time.Time
}

// NewManager returns a manager of the keys in store.
func NewManager(store storage.SigningKeyStore, sealer *Sealer, cfg ManagerConfig) *Manager {
	m := &Manager{store: store, sealer: sealer, algs: slices.Clone(cfg.Algorithms),
		delay: cfg.PublicationDelay, lifetime: cfg.MaxTokenLifetime, clock: cfg.Now}
	if len(m.algs) == 0 {
		m.algs = []Algorithm{ES256, RS256}
	}
	if m.delay <= 0 {
		m.delay = DefaultPublicationDelay
	}
	if m.lifetime <= 0 {
		m.lifetime = DefaultMaxTokenLifetime
	}
	if m.clock == nil {
		m.clock = time.Now
	}
	return m
}

// now returns the time to the microsecond, the precision stores keep.
func (m *Manager) now() time.Time { return m.clock().UTC().Truncate(time.Microsecond) }

// Load returns the set of keys at the current time: the active key of
// each configured algorithm, next keys and retired keys that are not
// expired are published. The active key of each configured algorithm is
// its signing key ([Set.SignerFor]), and that of the first algorithm is
// the active key of the set. An algorithm without an active key, as on
// first start, gets a new key that signs at once. A key superseded by a
// newer key of its algorithm is stored as retired from the moment the
// newer key activated.
//
// Every stored key is opened before anything is written: with another
// key-encryption key than the one the keys were sealed with, Load returns
// an error wrapping ErrSealed and generates no key.
func (m *Manager) Load(ctx context.Context) (*Set, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	recs, keys, err := m.list(ctx)
	if err != nil {
		return nil, err
	}
	return m.load(ctx, m.now(), recs, keys)
}

// list returns the stored keys and each of them opened, by key ID.
func (m *Manager) list(ctx context.Context) ([]*storage.SigningKey, map[string]*Key, error) {
	recs, err := m.store.ListSigningKeys(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("keyset: listing signing keys: %w", err)
	}
	keys := make(map[string]*Key, len(recs))
	for _, r := range recs {
		k, err := m.sealer.Open(r.ID, Algorithm(r.Algorithm), r.Ciphertext)
		if err != nil {
			return nil, nil, err
		}
		keys[r.ID] = k
	}
	return recs, keys, nil
}

// load stores superseded keys as retired, creates the missing active keys
// and returns the set of recs at now; keys holds every record opened.
func (m *Manager) load(ctx context.Context, now time.Time, recs []*storage.SigningKey, keys map[string]*Key) (*Set, error) {
	if err := m.retireSuperseded(ctx, recs, now); err != nil {
		return nil, err
	}
	signers := make([]string, len(m.algs))
	for i, alg := range m.algs {
		rec := current(recs, alg, now)
		if rec == nil {
			k, r, err := m.create(ctx, alg, now, now)
			if err != nil {
				return nil, err
			}
			rec, keys[r.ID], recs = r, k, append(recs, r)
		}
		signers[i] = rec.ID
	}
	return m.build(recs, keys, signers, now)
}

// Rotate publishes a next key for each configured algorithm that has
// none, which signs from PublicationDelay on, and returns the set at the
// current time. Calling it again before the next keys activate changes
// nothing.
func (m *Manager) Rotate(ctx context.Context) (*Set, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	recs, keys, err := m.list(ctx)
	if err != nil {
		return nil, err
	}
	for _, alg := range m.algs {
		pending := slices.ContainsFunc(recs, func(r *storage.SigningKey) bool {
			return Algorithm(r.Algorithm) == alg && r.ActivateAt.After(now) && r.RetiredAt.IsZero()
		})
		if !pending {
			k, r, err := m.create(ctx, alg, now, now.Add(m.delay))
			if err != nil {
				return nil, err
			}
			keys[r.ID], recs = k, append(recs, r)
		}
	}
	return m.load(ctx, now, recs, keys)
}

// Retire stops the key kid from signing now; it stays published for
// MaxTokenLifetime. When it was the active key of a configured algorithm,
// a new key of that algorithm signs at once. Retiring a retired key
// changes nothing. It returns the set at the current time, or an error
// wrapping ErrUnknownKey.
func (m *Manager) Retire(ctx context.Context, kid string) (*Set, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	recs, keys, err := m.list(ctx)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(recs, func(r *storage.SigningKey) bool { return r.ID == kid })
	if i < 0 {
		return nil, fmt.Errorf("%w: kid %q", ErrUnknownKey, kid)
	}
	if rec := recs[i]; rec.RetiredAt.IsZero() || rec.RetiredAt.After(now) {
		if err := m.retire(ctx, rec, now); err != nil {
			return nil, err
		}
	}
	return m.load(ctx, now, recs, keys)
}

// create generates, seals and stores a key of alg that signs from
// activateAt.
func (m *Manager) create(ctx context.Context, alg Algorithm, now, activateAt time.Time) (*Key, *storage.SigningKey, error) {
	k, err := GenerateKey(alg)
	if err != nil {
		return nil, nil, err
	}
	sealed, err := m.sealer.Seal(k)
	if err != nil {
		return nil, nil, err
	}
	rec := &storage.SigningKey{ID: k.ID(), Algorithm: string(alg), Ciphertext: sealed,
		CreatedAt: now, ActivateAt: activateAt}
	if err := m.store.CreateSigningKey(ctx, rec); err != nil {
		return nil, nil, fmt.Errorf("keyset: storing signing key %q: %w", rec.ID, err)
	}
	return k, rec, nil
}

// retire stores rec as retired at t, published until every token it
// signed has expired.
func (m *Manager) retire(ctx context.Context, rec *storage.SigningKey, t time.Time) error {
	rec.RetiredAt, rec.ExpiresAt = t, t.Add(m.lifetime)
	if err := m.store.UpdateSigningKey(ctx, rec); err != nil {
		return fmt.Errorf("keyset: retiring signing key %q: %w", rec.ID, err)
	}
	return nil
}

// retireSuperseded stores every key that a newer key of its algorithm has
// superseded as retired when its successor activated, unless it was
// retired before.
func (m *Manager) retireSuperseded(ctx context.Context, recs []*storage.SigningKey, now time.Time) error {
	byAlg := map[string][]*storage.SigningKey{}
	for _, r := range recs {
		if activated(r, now) {
			byAlg[r.Algorithm] = append(byAlg[r.Algorithm], r)
		}
	}
	for _, list := range byAlg {
		slices.SortFunc(list, byActivation)
		for i, r := range list[:len(list)-1] {
			succ := list[i+1].ActivateAt
			if r.RetiredAt.IsZero() || r.RetiredAt.After(succ) {
				if err := m.retire(ctx, r, succ); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// build returns the set of the keys of recs published at now, with the
// keys signers signing for their algorithms, the first one active.
func (m *Manager) build(recs []*storage.SigningKey, keys map[string]*Key, signers []string, now time.Time) (*Set, error) {
	set := &Set{}
	for _, r := range recs {
		if !r.ExpiresAt.IsZero() && !now.Before(r.ExpiresAt) {
			continue
		}
		if err := set.Add(keys[r.ID]); err != nil {
			return nil, err
		}
	}
	for _, id := range signers[1:] {
		if err := set.ActivateSigner(id); err != nil {
			return nil, err
		}
	}
	return set, set.Activate(signers[0])
}

// activated reports whether r has begun signing by now: it was not
// retired before its activation.
func activated(r *storage.SigningKey, now time.Time) bool {
	return !r.ActivateAt.After(now) && (r.RetiredAt.IsZero() || r.RetiredAt.After(r.ActivateAt))
}

// current returns the key of alg that signs at now, or nil: the key
// activated last, unless it is retired.
func current(recs []*storage.SigningKey, alg Algorithm, now time.Time) *storage.SigningKey {
	var last *storage.SigningKey
	for _, r := range recs {
		if Algorithm(r.Algorithm) == alg && activated(r, now) && (last == nil || byActivation(r, last) > 0) {
			last = r
		}
	}
	if last == nil || (!last.RetiredAt.IsZero() && !last.RetiredAt.After(now)) {
		return nil
	}
	return last
}

func byActivation(a, b *storage.SigningKey) int {
	return cmp.Or(a.ActivateAt.Compare(b.ActivateAt), strings.Compare(a.ID, b.ID))
}
