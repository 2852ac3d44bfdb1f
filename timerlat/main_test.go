package timerlat_test

import (
	"testing"

	"gopreempt/internal/ktest"
)

func TestMain(m *testing.M) { ktest.Main(m) }
