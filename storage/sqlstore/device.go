package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/grantry/grantry/storage"
)

const deviceColumns = `device_code_hash, user_code_hash, client_id, scope, status, subject, granted_scope,
	auth_time, extra, interval_ms, last_poll, created_at, expires_at`

const (
	insertDevice = `INSERT INTO device_authorizations (` + deviceColumns + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`
	selectDeviceByUser = `SELECT ` + deviceColumns + ` FROM device_authorizations
	WHERE user_code_hash = $1 AND status = 'pending' AND expires_at > $2`
	// decideDevice records a decision on a pending authorization in one
	// statement: of concurrent decisions exactly one updates the row.
	decideDevice = `UPDATE device_authorizations
	SET status = $3, subject = $4, granted_scope = $5, auth_time = $6, extra = $7
	WHERE user_code_hash = $1 AND status = 'pending' AND expires_at > $2
	RETURNING ` + deviceColumns
	// selectDevicePoll reads the authorization a poll changes; on
	// PostgreSQL FOR UPDATE is appended, SQLite's IMMEDIATE transaction
	// holds the write lock already.
	selectDevicePoll = `SELECT ` + deviceColumns + ` FROM device_authorizations
	WHERE device_code_hash = $1 AND client_id = $2`
	updateDevicePoll = `UPDATE device_authorizations SET status = $2, interval_ms = $3, last_poll = $4
	WHERE device_code_hash = $1`
	purgeDevices = `DELETE FROM device_authorizations WHERE expires_at < $1`
)

var _ storage.DeviceStore = (*Store)(nil)

// CreateDeviceAuthorization stores d, or returns storage.ErrExists when an
// authorization with its device or user code hash is stored already.
func (s *Store) CreateDeviceAuthorization(ctx context.Context, d *storage.DeviceAuthorization) error {
	scope, err := encodeScope(d.Scope)
	if err != nil {
		return err
	}
	granted, err := encodeScope(d.GrantedScope)
	if err != nil {
		return err
	}
	extra, err := encodeExtra(d.Extra)
	if err != nil {
		return err
	}
	err = retry(ctx, func() error {
		_, err := s.db.ExecContext(ctx, insertDevice, d.DeviceCodeHash, d.UserCodeHash, d.ClientID, scope,
			string(d.Status), d.Subject, granted, nullMicros(d.AuthTime), extra, d.Interval.Milliseconds(),
			nullMicros(d.LastPoll), micros(d.CreatedAt), micros(d.ExpiresAt))
		return err
	})
	return wrap("create device authorization", err)
}

// DeviceAuthorizationByUserCode returns the pending authorization of the
// user code hash, unexpired at now, or storage.ErrNotFound.
func (s *Store) DeviceAuthorizationByUserCode(ctx context.Context, hash string, now time.Time) (*storage.DeviceAuthorization, error) {
	d, err := scanDevice(s.db.QueryRowContext(ctx, selectDeviceByUser, hash, micros(now)))
	return d, wrap("read device authorization", err)
}

// DecideDeviceAuthorization applies dec to the pending authorization of
// the user code hash, unexpired at now, with one conditional UPDATE, or
// returns storage.ErrNotFound.
func (s *Store) DecideDeviceAuthorization(ctx context.Context, hash string, dec *storage.DeviceDecision, now time.Time) (*storage.DeviceAuthorization, error) {
	var d storage.DeviceAuthorization
	d.Apply(dec)
	granted, err := encodeScope(d.GrantedScope)
	if err != nil {
		return nil, err
	}
	extra, err := encodeExtra(d.Extra)
	if err != nil {
		return nil, err
	}
	var out *storage.DeviceAuthorization
	err = retry(ctx, func() error {
		var err error
		out, err = scanDevice(s.db.QueryRowContext(ctx, decideDevice, hash, micros(now),
			string(d.Status), d.Subject, granted, nullMicros(d.AuthTime), extra))
		return err
	})
	return out, wrap("decide device authorization", err)
}

// PollDeviceAuthorization applies a poll at now to the authorization of
// the device code hash, if it is clientID's, in one transaction; or
// returns storage.ErrNotFound.
func (s *Store) PollDeviceAuthorization(ctx context.Context, hash, clientID string, now time.Time) (*storage.DeviceAuthorization, storage.DevicePoll, error) {
	if now.IsZero() {
		return nil, 0, errors.New("sqlstore: PollDeviceAuthorization: zero time")
	}
	query := selectDevicePoll
	if s.d == Postgres {
		query += ` FOR UPDATE`
	}
	var d *storage.DeviceAuthorization
	var out storage.DevicePoll
	err := s.inTx(ctx, func(q querier) (error, error) {
		var err error
		d, err = scanDevice(q.QueryRowContext(ctx, query, hash, clientID))
		if errors.Is(err, sql.ErrNoRows) {
			return storage.ErrNotFound, nil
		}
		if err != nil {
			return nil, err
		}
		before := *d
		out = d.Poll(now)
		if d.Status == before.Status && d.Interval == before.Interval && d.LastPoll.Equal(before.LastPoll) {
			return nil, nil
		}
		_, err = q.ExecContext(ctx, updateDevicePoll, hash, string(d.Status), d.Interval.Milliseconds(), nullMicros(d.LastPoll))
		return nil, err
	})
	if errors.Is(err, storage.ErrNotFound) {
		return nil, 0, err
	}
	if err != nil {
		return nil, 0, wrap("poll device authorization", err)
	}
	return d, out, nil
}

func scanDevice(row scanner) (*storage.DeviceAuthorization, error) {
	var (
		d                            storage.DeviceAuthorization
		scope, status, granted       string
		authTime, lastPoll           sql.NullInt64
		extra                        sql.NullString
		intervalMS, created, expires int64
	)
	err := row.Scan(&d.DeviceCodeHash, &d.UserCodeHash, &d.ClientID, &scope, &status, &d.Subject, &granted,
		&authTime, &extra, &intervalMS, &lastPoll, &created, &expires)
	if err != nil {
		return nil, err
	}
	if d.Extra, err = decodeExtra(extra); err != nil {
		return nil, err
	}
	d.Scope, d.GrantedScope = decodeScope(scope), decodeScope(granted)
	d.Status = storage.DeviceStatus(status)
	d.AuthTime, d.LastPoll = fromNullMicros(authTime), fromNullMicros(lastPoll)
	d.Interval = time.Duration(intervalMS) * time.Millisecond
	d.CreatedAt, d.ExpiresAt = fromMicros(created), fromMicros(expires)
	return &d, nil
}
