"""The offline backend: findings from tool results (`adapters`, `findings`) and alerts, the
why, actions and decision from the role's knowledge (`engine`). No network, deterministic."""
