package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/grantry/grantry/storage"
)

const (
	pushedColumns = `hash, client_id, params, signed, created_at, expires_at`
	insertPushed  = `INSERT INTO pushed_requests (` + pushedColumns + `) VALUES ($1, $2, $3, $4, $5, $6)`
	// deletePushed consumes a request: one DELETE, so that of concurrent
	// calls exactly one gets the row.
	deletePushed = `DELETE FROM pushed_requests WHERE hash = $1 RETURNING ` + pushedColumns
	purgePushed  = `DELETE FROM pushed_requests WHERE expires_at < $1`
)

var _ storage.PushedRequestStore = (*Store)(nil)

// SavePushedRequest stores req, or returns storage.ErrExists when a
// request with its Hash is stored already.
func (s *Store) SavePushedRequest(ctx context.Context, req *storage.PushedRequest) error {
	params, err := json.Marshal(req.Params)
	if err != nil {
		return fmt.Errorf("sqlstore: encode pushed request: %w", err)
	}
	signed := 0
	if req.Signed {
		signed = 1
	}
	return retry(ctx, func() error {
		_, err := s.db.ExecContext(ctx, insertPushed, req.Hash, req.ClientID, string(params), signed,
			micros(req.CreatedAt), micros(req.ExpiresAt))
		return wrap("save pushed request", err)
	})
}

// ConsumePushedRequest deletes the request and returns it, or returns
// storage.ErrNotFound when it is unknown, used or expired at now.
func (s *Store) ConsumePushedRequest(ctx context.Context, hash string, now time.Time) (*storage.PushedRequest, error) {
	if now.IsZero() {
		return nil, errors.New("sqlstore: ConsumePushedRequest: zero time")
	}
	var p *storage.PushedRequest
	err := retry(ctx, func() error {
		var err error
		p, err = scanPushed(s.queryRow(ctx, deletePushed, hash))
		return wrap("consume pushed request", err)
	})
	if err != nil {
		return nil, err
	}
	if p.Expired(now) {
		return nil, storage.ErrNotFound
	}
	return p, nil
}

func scanPushed(row scanner) (*storage.PushedRequest, error) {
	var p storage.PushedRequest
	var params string
	var signed int
	var createdAt, expiresAt int64
	if err := row.Scan(&p.Hash, &p.ClientID, &params, &signed, &createdAt, &expiresAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(params), &p.Params); err != nil {
		return nil, fmt.Errorf("sqlstore: malformed pushed request: %w", err)
	}
	p.Signed = signed != 0
	p.CreatedAt, p.ExpiresAt = fromMicros(createdAt), fromMicros(expiresAt)
	return &p, nil
}
