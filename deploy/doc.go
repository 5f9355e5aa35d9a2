// Package deploy holds stakeout's deployment files, not Go code: the Prometheus
// configuration, rules and rule tests (prometheus/), the Alertmanager configuration
// (alertmanager/), the Grafana provisioning and dashboards (grafana/) and the Dockerfile.
//
// Its test, TestMonitoring, checks those files against the code: every metric name that
// a rule, a rule test or a dashboard query selects must be one that stakeout's processes
// export (read from the registries a worker and a scheduler build), every dashboard has
// unique panel ids and names the provisioned data source, and promtool of the Prometheus
// version in go.mod checks the configuration, the rules, the rule tests and the metrics'
// exposition (docs/monitoring.md).
package deploy
