package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/storage"
)

// A code is a Redis hash under prefix + "code:" + digest, with the field
// "r" holding the record as JSON and the field "u", once the code is
// consumed, the time of its use in microseconds since the Unix epoch.

// createCode stores a code unless its key exists, with its time to live:
// KEYS[1] the key, ARGV[1] the record, ARGV[2] the time to live in
// milliseconds, ARGV[3] the time of use or "".
var createCode = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'r', ARGV[1])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'u', ARGV[3]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`)

// consumeCode marks a code used unless it was, and returns the record, the
// time of use and whether it was used before: KEYS[1] the key, ARGV[1] the
// time of use. An unknown code returns nil. The key keeps its time to live.
var consumeCode = redis.NewScript(`
local v = redis.call('HMGET', KEYS[1], 'r', 'u')
if not v[1] then return false end
local ok, rec = pcall(cjson.decode, v[1])
if not ok or type(rec) ~= 'table' or rec.cid ~= ARGV[2] then return false end
if v[2] then return {v[1], v[2], 1} end
redis.call('HSET', KEYS[1], 'u', ARGV[1])
return {v[1], ARGV[1], 0}
`)

// codeRecord is the JSON form of an authorization code, without its hash
// (the key) and its time of use (a field of its own).
type codeRecord struct {
	FamilyID            string            `json:"fam,omitempty"`
	ClientID            string            `json:"cid"`
	RedirectURI         string            `json:"uri,omitempty"`
	Scope               grantry.Scope     `json:"scp,omitempty"`
	Subject             string            `json:"sub,omitempty"`
	Resource            []string          `json:"res,omitempty"`
	AuthTime            time.Time         `json:"at"`
	Nonce               string            `json:"non,omitempty"`
	CodeChallenge       string            `json:"cc,omitempty"`
	CodeChallengeMethod string            `json:"ccm,omitempty"`
	Extra               map[string]string `json:"ext,omitempty"`
	CreatedAt           time.Time         `json:"iat"`
	ExpiresAt           time.Time         `json:"exp"`
}

func (s *Store) codeKey(hash string) string { return s.prefix + "code:" + hash }

// CreateAuthorizationCode stores code until Config.Retention after it
// expires, or returns storage.ErrExists when a code with its hash is
// stored already.
func (s *Store) CreateAuthorizationCode(ctx context.Context, code *storage.AuthorizationCode) error {
	rec, err := json.Marshal(codeRecord{
		FamilyID: code.FamilyID, ClientID: code.ClientID, RedirectURI: code.RedirectURI,
		Scope: code.Scope, Subject: code.Subject, Resource: code.Resource, AuthTime: code.AuthTime, Nonce: code.Nonce,
		CodeChallenge: code.CodeChallenge, CodeChallengeMethod: code.CodeChallengeMethod,
		Extra: code.Extra, CreatedAt: code.CreatedAt, ExpiresAt: code.ExpiresAt,
	})
	if err != nil {
		return fmt.Errorf("redisstore: encode authorization code: %w", err)
	}
	var used string
	if !code.UsedAt.IsZero() {
		used = strconv.FormatInt(code.UsedAt.UnixMicro(), 10)
	}
	ttl := s.ttl(code.ExpiresAt.Add(s.retention))
	created, err := createCode.Run(ctx, s.rdb, []string{s.codeKey(code.Hash)}, rec, ttl.Milliseconds(), used).Int()
	if err != nil {
		return wrap("create authorization code", err)
	}
	if created == 0 {
		return storage.ErrExists
	}
	return nil
}

// ConsumeAuthorizationCode marks the code used at now and returns it, in
// one script, so that of many concurrent calls exactly one succeeds. A code
// used before is returned with storage.ErrCodeUsed; an unknown or expired
// and forgotten one returns storage.ErrNotFound. Expiry is the caller's to
// check.
func (s *Store) ConsumeAuthorizationCode(ctx context.Context, hash, clientID string, now time.Time) (*storage.AuthorizationCode, error) {
	if hash == "" {
		return nil, storage.ErrNotFound
	}
	if now.IsZero() {
		return nil, errors.New("redisstore: ConsumeAuthorizationCode: zero time")
	}
	res, err := consumeCode.Run(ctx, s.rdb, []string{s.codeKey(hash)}, now.UnixMicro(), clientID).Slice()
	if errors.Is(err, redis.Nil) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, wrap("consume authorization code", err)
	}
	code, usedBefore, err := decodeConsumed(hash, res)
	if err != nil {
		return nil, err
	}
	if usedBefore {
		return code, storage.ErrCodeUsed
	}
	return code, nil
}

// decodeConsumed reads the reply of consumeCode.
func decodeConsumed(hash string, res []any) (*storage.AuthorizationCode, bool, error) {
	var (
		raw, used string
		before    int64
		ok1, ok2  bool
		ok3       = len(res) == 3
	)
	if ok3 {
		raw, ok1 = res[0].(string)
		used, ok2 = res[1].(string)
		before, ok3 = res[2].(int64)
	}
	usedAt, err := strconv.ParseInt(used, 10, 64)
	if !ok1 || !ok2 || !ok3 || err != nil {
		return nil, false, fmt.Errorf("redisstore: malformed reply for authorization code %q", hash)
	}
	var rec codeRecord
	if err := json.Unmarshal([]byte(raw), &rec); err != nil {
		return nil, false, fmt.Errorf("redisstore: malformed authorization code %q: %w", hash, err)
	}
	return &storage.AuthorizationCode{
		Hash: hash, FamilyID: rec.FamilyID, ClientID: rec.ClientID, RedirectURI: rec.RedirectURI,
		Scope: rec.Scope, Subject: rec.Subject, Resource: rec.Resource, AuthTime: rec.AuthTime, Nonce: rec.Nonce,
		CodeChallenge: rec.CodeChallenge, CodeChallengeMethod: rec.CodeChallengeMethod,
		Extra: rec.Extra, CreatedAt: rec.CreatedAt, ExpiresAt: rec.ExpiresAt,
		UsedAt: time.UnixMicro(usedAt).UTC(),
	}, before == 1, nil
}
