//! Three-way merges: stale admin saves and git edits meeting admin edits.
