package connect

// Outcomes of a token refresh, as a refresh observer receives them.
const (
	RefreshOK = "ok"
	// RefreshRefused: the service refused the credentials for good; a
	// person must reconnect.
	RefreshRefused = "refused"
	// RefreshThrottled: the service asked hrconnect to wait.
	RefreshThrottled = "throttled"
	// RefreshFailed: the service could not be reached or failed; retried.
	RefreshFailed = "failed"
)

// WithRefreshObserver has the manager tell observe of every refresh it asks
// a service for, with its outcome (RefreshOK, RefreshRefused,
// RefreshThrottled, RefreshFailed): metrics count them. Refreshes the
// budget holds back are never asked for, so they are not counted.
func WithRefreshObserver(observe func(outcome string)) ManagerOption {
	return func(m *Manager) { m.onRefresh = observe }
}

// observeRefresh reports one refresh's outcome; e is nil on success.
func (m *Manager) observeRefresh(e *RefreshError) {
	if m.onRefresh == nil {
		return
	}
	switch {
	case e == nil:
		m.onRefresh(RefreshOK)
	case e.Reconnect:
		m.onRefresh(RefreshRefused)
	case e.RetryAfter > 0:
		m.onRefresh(RefreshThrottled)
	default:
		m.onRefresh(RefreshFailed)
	}
}
