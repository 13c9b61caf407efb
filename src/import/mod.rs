//! Exported fleet files -> model. (being written)
