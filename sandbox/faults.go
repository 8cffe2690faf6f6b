package sandbox

// fault is one injected fault. (Filled in by the faults work.)
type fault struct{}
