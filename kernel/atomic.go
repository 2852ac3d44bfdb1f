package kernel

import "sync/atomic"

type atomicInt32 = atomic.Int32
