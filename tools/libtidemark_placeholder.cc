// Placeholder until the preload interposer lands.
