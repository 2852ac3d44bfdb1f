module gopreempt

go 1.26.5

require (
	github.com/google/pprof v0.0.0-20261105003125-4bf881d7fb0b
	github.com/usbarmory/tamago v1.26.6
	golang.org/x/arch v0.32.0
)
