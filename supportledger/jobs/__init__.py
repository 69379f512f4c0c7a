"""The worker's jobs and the schedule of every app: what runs when, each job
calling the owning app's action. Started by ``supportledger worker``."""
