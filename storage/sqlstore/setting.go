package sqlstore

import "context"

const (
	insertSetting = `INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`
	selectSetting = `SELECT value FROM settings WHERE name = $1`
)

// LoadOrStoreSetting returns the stored value of the setting name, storing
// value first when there is none. Every process sharing the database gets
// the value stored first, so that, for example, one generated key serves
// them all.
func (s *Store) LoadOrStoreSetting(ctx context.Context, name, value string) (string, error) {
	var stored string
	err := retry(ctx, func() error {
		if _, err := s.db.ExecContext(ctx, insertSetting, name, value); err != nil {
			return wrap("store setting", err)
		}
		return wrap("read setting", s.db.QueryRowContext(ctx, selectSetting, name).Scan(&stored))
	})
	return stored, err
}

const swapSetting = `UPDATE settings SET value = $3 WHERE name = $1 AND value = $2`

// CompareAndSwapSetting replaces the value of the setting name by value
// when it is old, and reports whether it did: of processes that swap the
// same old value, one succeeds, so that a setting is, for example, sealed
// once, or a key rotated once.
func (s *Store) CompareAndSwapSetting(ctx context.Context, name, old, value string) (bool, error) {
	var swapped bool
	err := retry(ctx, func() error {
		res, err := s.db.ExecContext(ctx, swapSetting, name, old, value)
		if err != nil {
			return wrap("swap setting", err)
		}
		n, err := res.RowsAffected()
		swapped = n == 1
		return wrap("swap setting", err)
	})
	return swapped, err
}
