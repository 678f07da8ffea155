// Package sim is abrkit's ABR lab: it runs the shipped player core on a
// virtual clock against network models (trace-driven links, a shared
// bottleneck, and the exact models of the Pensieve and Sabre simulators)
// and video models (Envivio chunk sizes, Sabre movies, real manifests,
// synthetic ladders), deterministically for a given seed.
//
// The simulator starts no goroutine per session and never sleeps. It may
// depend on player, abr, manifest, traces and qoe; it must not depend on
// origin, cmd or any network code.
package sim
