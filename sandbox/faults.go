package sandbox

// fault is one injected fault. (Filled in by the faults work.)
type fault struct{}

// Limits are the numbers of SANDBOX.md's token rules and API thresholds.
// (Filled in by the accounts work.)
type Limits struct{}

// DefaultLimits returns SANDBOX.md's defaults.
func DefaultLimits() Limits { return Limits{} }
