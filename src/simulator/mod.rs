//! A local Exirom sandbox simulator (placeholder until its issue lands).
