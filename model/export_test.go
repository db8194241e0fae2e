package model

// Exported for the external test package model_test (the frame benchmarks,
// which need package filter).
var (
	T0        = t0
	LoadTable = loadTable
	Churn     = churn
)
