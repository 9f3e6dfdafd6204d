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

// A pushed authorization request is a string under prefix + "par:" +
// digest holding the record as JSON; the key expires with the request.

// takePushed returns and deletes a key in one step: KEYS[1] the key.
var takePushed = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v then redis.call('DEL', KEYS[1]) end
return v
`)

// pushedRecord is the JSON form of a pushed request, without its hash
// (the key).
type pushedRecord struct {
	ClientID  string            `json:"cid"`
	Params    map[string]string `json:"p"`
	Signed    bool              `json:"sig,omitempty"`
	CreatedAt time.Time         `json:"iat"`
	ExpiresAt time.Time         `json:"exp"`
}

var _ storage.PushedRequestStore = (*Store)(nil)

func (s *Store) pushedKey(hash string) string { return s.prefix + "par:" + hash }

// SavePushedRequest stores req until it expires, or returns
// storage.ErrExists when a request with its hash is stored already.
func (s *Store) SavePushedRequest(ctx context.Context, req *storage.PushedRequest) error {
	rec, err := json.Marshal(pushedRecord{ClientID: req.ClientID, Params: req.Params, Signed: req.Signed,
		CreatedAt: req.CreatedAt, ExpiresAt: req.ExpiresAt})
	if err != nil {
		return fmt.Errorf("redisstore: encode pushed request: %w", err)
	}
	created, err := s.rdb.SetNX(ctx, s.pushedKey(req.Hash), rec, s.ttl(req.ExpiresAt)).Result()
	if err != nil {
		return wrap("save pushed request", err)
	}
	if !created {
		return storage.ErrExists
	}
	return nil
}

// ConsumePushedRequest deletes the request and returns it, in one script,
// so that of many concurrent calls exactly one succeeds. An unknown, used
// or expired request returns storage.ErrNotFound.
func (s *Store) ConsumePushedRequest(ctx context.Context, hash string, now time.Time) (*storage.PushedRequest, error) {
	if hash == "" {
		return nil, storage.ErrNotFound
	}
	if now.IsZero() {
		return nil, errors.New("redisstore: ConsumePushedRequest: zero time")
	}
	raw, err := takePushed.Run(ctx, s.rdb, []string{s.pushedKey(hash)}).Text()
	if errors.Is(err, redis.Nil) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, wrap("consume pushed request", err)
	}
	var rec pushedRecord
	if err := json.Unmarshal([]byte(raw), &rec); err != nil {
		return nil, fmt.Errorf("redisstore: malformed pushed request: %w", err)
	}
	p := &storage.PushedRequest{Hash: hash, ClientID: rec.ClientID, Params: rec.Params, Signed: rec.Signed,
		CreatedAt: rec.CreatedAt, ExpiresAt: rec.ExpiresAt}
	if p.Expired(now) {
		return nil, storage.ErrNotFound
	}
	return p, nil
}
