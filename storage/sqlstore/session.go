package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/grantry/grantry/storage"
)

const sessionColumns = `id, hash, subject, auth_time, acr, amr, clients, created_at, expires_at`

const (
	insertSession = `INSERT INTO sessions (` + sessionColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`
	selectSession = `SELECT ` + sessionColumns + ` FROM sessions WHERE hash = $1`
	listSessions  = `SELECT ` + sessionColumns + ` FROM sessions`
	listUserSess  = `SELECT ` + sessionColumns + ` FROM sessions WHERE subject = $1`
	// selectSessionClients reads the clients of a session to change them; on
	// PostgreSQL FOR UPDATE is appended, SQLite's IMMEDIATE transaction
	// holds the write lock already.
	selectSessionClients = `SELECT clients FROM sessions WHERE id = $1`
	updateSessionClients = `UPDATE sessions SET clients = $2 WHERE id = $1`
	deleteSession        = `DELETE FROM sessions WHERE id = $1 RETURNING ` + sessionColumns
	deleteUserSessions   = `DELETE FROM sessions WHERE subject = $1 RETURNING ` + sessionColumns
	// sessionsWithClient finds the sessions whose clients may hold a
	// client; the caller checks each, LIKE being only a filter.
	sessionsWithClient = `SELECT id, clients FROM sessions WHERE clients LIKE $1 ESCAPE '\'`
)

// CreateSession stores sess, or returns storage.ErrExists when a session
// with its ID or Hash is stored already.
func (s *Store) CreateSession(ctx context.Context, sess *storage.Session) error {
	amr, err := encodeList(sess.AMR)
	if err != nil {
		return err
	}
	clients, err := encodeList(sess.Clients)
	if err != nil {
		return err
	}
	return retry(ctx, func() error {
		_, err := s.db.ExecContext(ctx, insertSession, sess.ID, sess.Hash, sess.Subject, micros(sess.AuthTime),
			sess.ACR, amr, clients, micros(sess.CreatedAt), micros(sess.ExpiresAt))
		return wrap("create session", err)
	})
}

// SessionByHash returns the session whose Hash is hash, expired or not, or
// storage.ErrNotFound.
func (s *Store) SessionByHash(ctx context.Context, hash string) (*storage.Session, error) {
	sess, err := scanSession(s.queryRow(ctx, selectSession, hash))
	if err != nil {
		return nil, wrap("read session", err)
	}
	return sess, nil
}

// AddSessionClient appends clientID to the session's clients unless it is
// there already, in one transaction, or returns storage.ErrNotFound.
func (s *Store) AddSessionClient(ctx context.Context, id, clientID string) error {
	query := selectSessionClients
	if s.d == Postgres {
		query += ` FOR UPDATE`
	}
	err := s.inTx(ctx, func(q querier) (error, error) {
		var raw string
		if err := q.QueryRowContext(ctx, query, id).Scan(&raw); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return storage.ErrNotFound, nil
			}
			return nil, err
		}
		list, err := decodeList[string](raw)
		if err != nil || slices.Contains(list, clientID) {
			return nil, err
		}
		raw, err = encodeList(append(list, clientID))
		if err != nil {
			return nil, err
		}
		_, err = q.ExecContext(ctx, updateSessionClients, id, raw)
		return nil, err
	})
	if errors.Is(err, storage.ErrNotFound) {
		return err
	}
	return wrap("add session client", err)
}

// ListSessions returns the sessions of subject, or of all when subject is
// "", newest first and then by ID byte by byte.
func (s *Store) ListSessions(ctx context.Context, subject string) ([]*storage.Session, error) {
	query, args := listSessions, []any{}
	if subject != "" {
		query, args = listUserSess, []any{subject}
	}
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrap("list sessions", err)
	}
	list, err := scanSessions(rows)
	return list, wrap("list sessions", err)
}

// DeleteSession removes the session and returns it, queueing its logout
// when it signed in to a client, or returns storage.ErrNotFound.
func (s *Store) DeleteSession(ctx context.Context, id string) (*storage.Session, error) {
	list, err := s.deleteSessions(ctx, "delete session", deleteSession, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, storage.ErrNotFound
	}
	return list[0], nil
}

// DeleteUserSessions removes the sessions of subject, queueing the logouts
// of those that signed in to a client, and returns them, newest first.
func (s *Store) DeleteUserSessions(ctx context.Context, subject string) ([]*storage.Session, error) {
	return s.deleteSessions(ctx, "delete user sessions", deleteUserSessions, subject)
}

// deleteSessions runs a DELETE ... RETURNING statement and queues the
// logouts of the deleted sessions, in one transaction, and returns them.
func (s *Store) deleteSessions(ctx context.Context, op, query, arg string) ([]*storage.Session, error) {
	var list []*storage.Session
	err := s.inTx(ctx, func(q querier) (error, error) {
		rows, err := q.QueryContext(ctx, query, arg)
		if err != nil {
			return nil, err
		}
		if list, err = scanSessions(rows); err != nil {
			return nil, err
		}
		return nil, queueLogouts(ctx, q, list)
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return list, nil
}

// forgetSessionClient removes clientID from the clients of every session,
// inside the transaction of q.
func forgetSessionClient(ctx context.Context, q querier, clientID string) error {
	quoted, err := encodeList([]string{clientID})
	if err != nil {
		return err
	}
	esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	rows, err := q.QueryContext(ctx, sessionsWithClient, "%"+esc.Replace(strings.Trim(quoted, "[]"))+"%")
	if err != nil {
		return err
	}
	changed := make(map[string]string)
	for rows.Next() {
		var id, raw string
		if err := rows.Scan(&id, &raw); err != nil {
			rows.Close()
			return err
		}
		changed[id] = raw
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	for id, raw := range changed {
		if err := dropListed(ctx, q, id, raw, clientID); err != nil {
			return err
		}
	}
	return nil
}

// dropListed stores the clients raw of session id without clientID.
func dropListed(ctx context.Context, q querier, id, raw, clientID string) error {
	list, err := decodeList[string](raw)
	if err != nil || !slices.Contains(list, clientID) {
		return err
	}
	raw, err = encodeList(slices.DeleteFunc(list, func(c string) bool { return c == clientID }))
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, updateSessionClients, id, raw)
	return err
}

// scanSessions reads and closes rows, and orders the sessions newest
// first, then by ID byte by byte, whatever the database's collation.
func scanSessions(rows *sql.Rows) ([]*storage.Session, error) {
	list, err := scanAll(rows, scanSession)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(list, func(a, b *storage.Session) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return list, nil
}

func scanSession(row scanner) (*storage.Session, error) {
	var sess storage.Session
	var amr, clients string
	var authTime, createdAt, expiresAt int64
	err := row.Scan(&sess.ID, &sess.Hash, &sess.Subject, &authTime, &sess.ACR, &amr, &clients, &createdAt, &expiresAt)
	if err != nil {
		return nil, err
	}
	sess.AuthTime, sess.CreatedAt, sess.ExpiresAt = fromMicros(authTime), fromMicros(createdAt), fromMicros(expiresAt)
	if sess.AMR, err = decodeList[string](amr); err != nil {
		return nil, err
	}
	if sess.Clients, err = decodeList[string](clients); err != nil {
		return nil, err
	}
	return &sess, nil
}
