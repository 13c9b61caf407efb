//! The commands: read flags and files, call the pure core, write the result. (being written)
