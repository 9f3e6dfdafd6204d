package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/grantry/grantry/storage"
)

// A device authorization (RFC 8628) is a string under prefix + "dev:" +
// device code digest holding the record as JSON, and a string under
// prefix + "devu:" + user code digest holding the device code digest. Both
// keys live until Config.Retention after the authorization expires, so
// that a late poll is still answered expired_token. Every script touches
// one key, so the store works on a Redis cluster too. A change is a
// compare-and-set of the whole record: the decision or poll is computed
// in Go (storage.DeviceAuthorization.Apply and Poll) and written only if
// the record is still the one read.

// getKey returns the value of KEYS[1], or nil.
var getKey = redis.NewScript(`return redis.call('GET', KEYS[1])`)

// deleteIf deletes KEYS[1] if its value is ARGV[1].
var deleteIf = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`)

// swapDevice replaces KEYS[1] with ARGV[2] if its value is ARGV[1],
// keeping its time to live, and returns 1; 0 when it changed meanwhile.
var swapDevice = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local ttl = redis.call('PTTL', KEYS[1])
redis.call('SET', KEYS[1], ARGV[2])
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
`)

// maxSwaps bounds the attempts of a compare-and-set. Each failed one
// means another call changed the record, and a record changes at most
// twice before it is final (decided, then used), apart from the polls of
// a pending one, which its own device makes one at a time.
const maxSwaps = 16

var errContended = errors.New("redisstore: device authorization changed too often to be updated")

// deviceRecord is the JSON form of a device authorization, without its
// device code hash (the key).
type deviceRecord struct {
	UserCodeHash string            `json:"uch"`
	ClientID     string            `json:"cid"`
	Scope        []string          `json:"scp,omitempty"`
	Status       string            `json:"st"`
	Subject      string            `json:"sub,omitempty"`
	GrantedScope []string          `json:"gsc,omitempty"`
	AuthTime     time.Time         `json:"at"`
	Extra        map[string]string `json:"ext,omitempty"`
	Interval     time.Duration     `json:"ivl"`
	LastPoll     time.Time         `json:"lp"`
	CreatedAt    time.Time         `json:"iat"`
	ExpiresAt    time.Time         `json:"exp"`
}

var _ storage.DeviceStore = (*Store)(nil)

func (s *Store) deviceKey(hash string) string     { return s.prefix + "dev:" + hash }
func (s *Store) deviceUserKey(hash string) string { return s.prefix + "devu:" + hash }

func encodeDevice(d *storage.DeviceAuthorization) (string, error) {
	b, err := json.Marshal(deviceRecord{
		UserCodeHash: d.UserCodeHash, ClientID: d.ClientID, Scope: d.Scope, Status: string(d.Status),
		Subject: d.Subject, GrantedScope: d.GrantedScope, AuthTime: d.AuthTime, Extra: d.Extra,
		Interval: d.Interval, LastPoll: d.LastPoll, CreatedAt: d.CreatedAt, ExpiresAt: d.ExpiresAt,
	})
	if err != nil {
		return "", fmt.Errorf("redisstore: encode device authorization: %w", err)
	}
	return string(b), nil
}

func decodeDevice(hash, raw string) (*storage.DeviceAuthorization, error) {
	var r deviceRecord
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		return nil, fmt.Errorf("redisstore: malformed device authorization: %w", err)
	}
	return &storage.DeviceAuthorization{
		DeviceCodeHash: hash, UserCodeHash: r.UserCodeHash, ClientID: r.ClientID, Scope: r.Scope,
		Status: storage.DeviceStatus(r.Status), Subject: r.Subject, GrantedScope: r.GrantedScope,
		AuthTime: r.AuthTime, Extra: r.Extra, Interval: r.Interval, LastPoll: r.LastPoll,
		CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt,
	}, nil
}

// CreateDeviceAuthorization stores d, or returns storage.ErrExists when an
// authorization with its device or user code hash is stored already.
func (s *Store) CreateDeviceAuthorization(ctx context.Context, d *storage.DeviceAuthorization) error {
	rec, err := encodeDevice(d)
	if err != nil {
		return err
	}
	ttl := s.ttl(d.ExpiresAt.Add(s.retention))
	userKey := s.deviceUserKey(d.UserCodeHash)
	claimed, err := s.rdb.SetNX(ctx, userKey, d.DeviceCodeHash, ttl).Result()
	if err != nil {
		return wrap("create device authorization", err)
	}
	if !claimed {
		return storage.ErrExists
	}
	created, err := s.rdb.SetNX(ctx, s.deviceKey(d.DeviceCodeHash), rec, ttl).Result()
	if err == nil && created {
		return nil
	}
	// Give the user code back; a failure here leaves it taken until it
	// expires, which only makes one code unusable.
	_ = deleteIf.Run(ctx, s.rdb, []string{userKey}, d.DeviceCodeHash).Err()
	if err != nil {
		return wrap("create device authorization", err)
	}
	return storage.ErrExists
}

// readDevice returns the record of a device code hash and its JSON, or
// storage.ErrNotFound.
func (s *Store) readDevice(ctx context.Context, hash string) (*storage.DeviceAuthorization, string, error) {
	raw, err := getKey.Run(ctx, s.rdb, []string{s.deviceKey(hash)}).Text()
	if errors.Is(err, redis.Nil) {
		return nil, "", storage.ErrNotFound
	}
	if err != nil {
		return nil, "", wrap("read device authorization", err)
	}
	d, err := decodeDevice(hash, raw)
	return d, raw, err
}

// pendingByUser returns the pending authorization of a user code hash,
// unexpired at now, and its JSON, or storage.ErrNotFound.
func (s *Store) pendingByUser(ctx context.Context, hash string, now time.Time) (*storage.DeviceAuthorization, string, error) {
	if hash == "" {
		return nil, "", storage.ErrNotFound
	}
	devHash, err := getKey.Run(ctx, s.rdb, []string{s.deviceUserKey(hash)}).Text()
	if errors.Is(err, redis.Nil) {
		return nil, "", storage.ErrNotFound
	}
	if err != nil {
		return nil, "", wrap("read device authorization", err)
	}
	d, raw, err := s.readDevice(ctx, devHash)
	if err != nil {
		return nil, "", err
	}
	if d.UserCodeHash != hash || d.Status != storage.DevicePending || d.Expired(now) {
		return nil, "", storage.ErrNotFound
	}
	return d, raw, nil
}

// DeviceAuthorizationByUserCode returns the pending authorization of the
// user code hash, unexpired at now, or storage.ErrNotFound.
func (s *Store) DeviceAuthorizationByUserCode(ctx context.Context, hash string, now time.Time) (*storage.DeviceAuthorization, error) {
	d, _, err := s.pendingByUser(ctx, hash, now)
	return d, err
}

// DecideDeviceAuthorization applies dec to the pending authorization of
// the user code hash, unexpired at now, or returns storage.ErrNotFound.
func (s *Store) DecideDeviceAuthorization(ctx context.Context, hash string, dec *storage.DeviceDecision, now time.Time) (*storage.DeviceAuthorization, error) {
	for range maxSwaps {
		d, raw, err := s.pendingByUser(ctx, hash, now)
		if err != nil {
			return nil, err
		}
		d.Apply(dec)
		swapped, err := s.swap(ctx, d, raw)
		if err != nil || swapped {
			return d, err
		}
	}
	return nil, errContended
}

// PollDeviceAuthorization applies a poll at now to the authorization of
// the device code hash, if it is clientID's, or returns
// storage.ErrNotFound.
func (s *Store) PollDeviceAuthorization(ctx context.Context, hash, clientID string, now time.Time) (*storage.DeviceAuthorization, storage.DevicePoll, error) {
	if now.IsZero() {
		return nil, 0, errors.New("redisstore: PollDeviceAuthorization: zero time")
	}
	if hash == "" {
		return nil, 0, storage.ErrNotFound
	}
	for range maxSwaps {
		d, raw, err := s.readDevice(ctx, hash)
		if err != nil {
			return nil, 0, err
		}
		if d.ClientID != clientID {
			return nil, 0, storage.ErrNotFound
		}
		out := d.Poll(now)
		if out == storage.PollUsed || out == storage.PollExpired {
			return d, out, nil // nothing changed
		}
		swapped, err := s.swap(ctx, d, raw)
		if err != nil {
			return nil, 0, err
		}
		if swapped {
			return d, out, nil
		}
	}
	return nil, 0, errContended
}

// swap stores d in place of the record read as old, unless it changed
// meanwhile.
func (s *Store) swap(ctx context.Context, d *storage.DeviceAuthorization, old string) (bool, error) {
	rec, err := encodeDevice(d)
	if err != nil {
		return false, err
	}
	n, err := swapDevice.Run(ctx, s.rdb, []string{s.deviceKey(d.DeviceCodeHash)}, old, rec).Int()
	if err != nil {
		return false, wrap("update device authorization", err)
	}
	return n == 1, nil
}
