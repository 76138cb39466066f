//go:build race

package service

// raceEnabled says the race detector is on, which slows the load test
// several times; its report says so beside the figures.
const raceEnabled = true
