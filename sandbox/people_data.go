package sandbox

import (
	"strings"
	"time"
)

// peopleData is one organisation's Zoho People records, one table per form,
// and the state of its insert threshold. Every method expects s.mu held.
type peopleData struct {
	tables map[string]*peopleTable // by form link name

	// recent holds the times of the insert calls of the last minute, oldest
	// first, for the per-minute threshold; lockedUntil is the end of the
	// lock-out the threshold started (zero when none), which refuses inserts.
	recent      []time.Time
	lockedUntil time.Time
	// forcedUntil is the end of a lock-out forced by a fault, which refuses
	// every People call of the organisation.
	forcedUntil time.Time
}

// peopleTable holds the records of one form, in insertion order, with an
// index per unique field so that inserts and lookups by EmployeeID or email
// never scan the table.
type peopleTable struct {
	form    *peopleForm
	records []*peopleRecord
	byID    map[string]*peopleRecord
	unique  []map[string]*peopleRecord // parallel to form.unique, keyed by uniqueKey
}

// peopleRecord is one record of a form.
type peopleRecord struct {
	id     string
	fields map[string]string // writable fields with a value; never blank values
	// nonUser is isNonUser of the insert: an employee profile without a Zoho
	// account. invited tells that an invitation was sent (an insert without
	// isDirectAdd for a user), which leaves the employee inactive.
	nonUser    bool
	invited    bool
	added      time.Time
	addedBy    string
	modified   time.Time
	modifiedBy string
}

func newPeopleData() *peopleData {
	p := &peopleData{tables: make(map[string]*peopleTable, len(peopleForms))}
	for name, f := range peopleForms {
		t := &peopleTable{form: f, byID: make(map[string]*peopleRecord), unique: make([]map[string]*peopleRecord, len(f.unique))}
		for i := range t.unique {
			t.unique[i] = make(map[string]*peopleRecord)
		}
		p.tables[name] = t
	}
	return p
}

// lockOut forces a lock-out until the given sandbox time, whatever the limits
// say: every People call of the organisation (inserts, updates and reads) is
// answered with 7209 until then. It is how a fault injects a lock-out; a
// fault may be attached to any People endpoint, so the forced lock-out covers
// them all, unlike the insert threshold's own. s.mu must be held.
func (p *peopleData) lockOut(until time.Time) {
	p.forcedUntil = until
}

// lockedOut reports whether a forced lock-out holds at sandbox time now.
func (p *peopleData) lockedOut(now time.Time) bool { return now.Before(p.forcedUntil) }

// admitInsert counts one insert call against the organisation's threshold at
// sandbox time now and reports whether it may proceed. Past l.PeopleInsertsPerMinute
// calls in any minute (a sliding window) the call that overflows starts a
// lock-out of l.PeopleLockoutSeconds, during which every insert is refused;
// refused calls do not count. Every admitted call counts, whether or not its
// data then turn out valid, as Zoho counts API calls, not records. With
// l.Off nothing is counted and nothing refused (a forced lock-out is checked
// apart, for every call, by peopleAuthLocked).
func (p *peopleData) admitInsert(now time.Time, l Limits) bool {
	if l.Off {
		return true
	}
	if now.Before(p.lockedUntil) {
		return false
	}
	cutoff := now.Add(-time.Minute)
	drop := 0
	for drop < len(p.recent) && !p.recent[drop].After(cutoff) {
		drop++
	}
	if drop > 0 {
		p.recent = append(p.recent[:0], p.recent[drop:]...)
	}
	if len(p.recent) >= l.PeopleInsertsPerMinute {
		p.lockedUntil = now.Add(seconds(l.PeopleLockoutSeconds))
		p.recent = p.recent[:0]
		return false
	}
	p.recent = append(p.recent, now)
	return true
}

// uniqueKey is the index key of value v of the i-th unique field.
func (t *peopleTable) uniqueKey(i int, v string) string {
	if t.form.unique[i].fold {
		return strings.ToLower(v)
	}
	return v
}

// conflict returns 7051 when a value of vals for a unique field belongs to a
// record other than self (nil for an insert).
func (t *peopleTable) conflict(vals map[string]string, self *peopleRecord) *peopleError {
	for i, u := range t.form.unique {
		v, ok := vals[u.field]
		if !ok || v == "" {
			continue
		}
		if other := t.unique[i][t.uniqueKey(i, v)]; other != nil && other != self {
			return newPeopleError(peopleCodeDuplicate, u.field+": value already exists")
		}
	}
	return nil
}

// add stores a new record and indexes it. The caller has checked conflict.
func (t *peopleTable) add(rec *peopleRecord) {
	t.records = append(t.records, rec)
	t.byID[rec.id] = rec
	t.index(rec)
}

func (t *peopleTable) index(rec *peopleRecord) {
	for i, u := range t.form.unique {
		if v := rec.fields[u.field]; v != "" {
			t.unique[i][t.uniqueKey(i, v)] = rec
		}
	}
}

func (t *peopleTable) unindex(rec *peopleRecord) {
	for i, u := range t.form.unique {
		if v := rec.fields[u.field]; v != "" {
			delete(t.unique[i], t.uniqueKey(i, v))
		}
	}
}

// update applies vals to rec: a blank value clears the field. The caller has
// checked conflict.
func (t *peopleTable) update(rec *peopleRecord, vals map[string]string, now time.Time, by string) {
	t.unindex(rec)
	for k, v := range vals {
		if v == "" {
			delete(rec.fields, k)
		} else {
			rec.fields[k] = v
		}
	}
	t.index(rec)
	rec.modified, rec.modifiedBy = now, by
}

// lookup returns the record whose unique field is v, or nil (also when field
// is not unique: only unique fields are indexed).
func (t *peopleTable) lookup(field, v string) *peopleRecord {
	for i, u := range t.form.unique {
		if u.field == field {
			return t.unique[i][t.uniqueKey(i, v)]
		}
	}
	return nil
}

// peopleRecordState is a record as GET /_sandbox/state shows it.
type peopleRecordState struct {
	ID           string            `json:"id"`
	Fields       map[string]string `json:"fields"`
	IsNonUser    bool              `json:"is_non_user"`
	Invited      bool              `json:"invited"`
	AddedTime    time.Time         `json:"added_time"`
	ModifiedTime time.Time         `json:"modified_time"`
}

// snapshot returns a copy of every record of the organisation as a map from
// form link name ("employee", "department", "designation") to its records in
// insertion order, each with its ID, fields (Employeestatus included) and
// flags. The copy shares nothing with the live state, so it may be encoded
// after s.mu is released. s.mu must be held.
func (p *peopleData) snapshot() any {
	out := make(map[string][]peopleRecordState, len(p.tables))
	for name, t := range p.tables {
		list := make([]peopleRecordState, 0, len(t.records))
		for _, r := range t.records {
			fields := make(map[string]string, len(r.fields))
			for k, v := range r.fields {
				fields[k] = v
			}
			list = append(list, peopleRecordState{
				ID: r.id, Fields: fields, IsNonUser: r.nonUser, Invited: r.invited,
				AddedTime: r.added, ModifiedTime: r.modified,
			})
		}
		out[name] = list
	}
	return out
}
