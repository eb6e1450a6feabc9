/**
 * The `spec` of each kind, as TypeScript types. Generated from crds/*.yaml by
 * `npm run schemas` (src/tools/spec-types.ts); do not edit.
 */

/** Desired registration; fields follow the RegisterInstance input in camelCase. There is no tags field: AWS does not tag instances. */
export type CloudMapInstanceSpec = {
  /** metadata.name of the CloudMapService document to register in. Changing it registers the instance in the new service. */
  service: string;
  /** Instance id, unique within the service; part of the SRV record's host name. Defaults to metadata.name. */
  instanceId?: string;
  /** What the instance is. AWS_INSTANCE_IPV4 and AWS_INSTANCE_IPV6 answer A and AAAA records, AWS_INSTANCE_CNAME a CNAME record, AWS_INSTANCE_PORT gives SRV records and health checks their port, AWS_ALIAS_DNS_NAME makes an alias to a load balancer, AWS_INIT_HEALTH_STATUS (HEALTHY or UNHEALTHY) seeds a custom health check, AWS_EC2_INSTANCE_ID names an EC2 instance (HTTP namespaces). Cloud Map allows 30 custom attributes and 5,000 characters of keys and values in all; the controller adds its own ecs-gitops.io/owner attribute (with the controller id, up to 128 characters) and ecs-gitops.io/application attribute (with the application, up to 256 characters), which leaves 28 and 4,572. Keys up to 255 and values up to 1,024 characters. */
  attributes: Record<string, string>;
};

/** Desired state of the namespace; fields follow the CreateHttpNamespace, CreatePrivateDnsNamespace and CreatePublicDnsNamespace inputs in camelCase. */
export type CloudMapNamespaceSpec = {
  /** Kind of namespace. Changing it replaces the namespace. */
  type: 'HTTP' | 'DNS_PRIVATE' | 'DNS_PUBLIC';
  /** Namespace name; for DNS types, the domain name of the hosted zone (e.g. store.local). Defaults to metadata.name. Changing it replaces the namespace. */
  name?: string;
  description?: string;
  /** Id of the VPC a DNS_PRIVATE namespace is associated with. Changing it replaces the namespace. */
  vpc?: string;
  /** DNS settings of a DNS_PRIVATE or DNS_PUBLIC namespace. */
  properties?: {
    dnsProperties: {
      /** Start of authority record of the hosted zone. */
      soa: {
        /** Seconds resolvers cache negative answers (NXDOMAIN). */
        ttl: number;
      };
    };
  };
  /** Tags as a map of key to value. AWS allows 50 per resource, and the controller adds up to 3 of its own (ecs-gitops.io/owner, ecs-gitops.io/resource, and for a private DNS namespace ecs-gitops.io/vpc), which leaves 47. Keys are 1 to 128 and values up to 256 letters, digits, spaces and + - = . _ : / @ (AWS's tag rules); keys under ecs-gitops.io/ belong to the controller, and aws: (any case) to AWS. */
  tags?: Record<string, string>;
};

/** Desired state of the service; fields follow the Cloud Map CreateService input in camelCase. */
export type CloudMapServiceSpec = {
  /** metadata.name of the CloudMapNamespace document the service belongs to. Changing it replaces the service. */
  namespace: string;
  /** Service name; in a DNS namespace the records are <name>.<namespace name>. Defaults to metadata.name. Changing it replaces the service. */
  name?: string;
  description?: string;
  /** Route 53 records created for each registered instance; for DNS namespaces only. Record types cannot change after creation. */
  dnsConfig?: {
    /** MULTIVALUE answers with up to eight healthy instances, WEIGHTED with one chosen at random. Defaults to MULTIVALUE. */
    routingPolicy?: 'MULTIVALUE' | 'WEIGHTED';
    /** One of A, AAAA, A and AAAA, SRV, or CNAME. */
    dnsRecords: Array<{
      type: 'A' | 'AAAA' | 'SRV' | 'CNAME';
      /** Seconds resolvers may cache the record. */
      ttl: number;
    }>;
  };
  /** A Route 53 health check of each instance; for DNS_PUBLIC and HTTP namespaces only. Instances then need AWS_INSTANCE_PORT. */
  healthCheckConfig?: {
    /** Cannot change after creation. */
    type: 'HTTP' | 'HTTPS' | 'TCP';
    /** Path Route 53 requests; a 2xx or 3xx answer is healthy. Defaults to /. */
    resourcePath?: string;
    /** Consecutive checks needed to change the status. */
    failureThreshold?: number;
  };
  /** Health reported by the registrar through UpdateInstanceCustomHealthStatus; ECS reports its tasks' health this way. Can only be set when the service is created: adding or removing it replaces the service. */
  healthCheckCustomConfig?: {
    /** Deprecated by AWS, which always uses 1. */
    failureThreshold?: number;
  };
  /** HTTP makes instances discoverable only through the DiscoverInstances API, with no DNS records, even in a DNS namespace. Services in an HTTP namespace are always of this type. */
  type?: 'HTTP';
  /** Tags as a map of key to value. AWS allows 50 per resource, and the controller adds 2 of its own (ecs-gitops.io/owner, ecs-gitops.io/resource), which leaves 48. Keys are 1 to 128 and values up to 256 letters, digits, spaces and + - = . _ : / @ (AWS's tag rules); keys under ecs-gitops.io/ belong to the controller, and aws: (any case) to AWS. */
  tags?: Record<string, string>;
};

/** Desired state of the cluster; field names follow the CreateCluster input. */
export type ClusterSpec = {
  /** Name of the ECS cluster. Defaults to metadata.name. Changing it replaces the cluster. */
  clusterName?: string;
  /** Cluster settings; today only containerInsights exists. */
  settings?: Array<{
    name: 'containerInsights';
    /** enabled turns on Container Insights, enhanced adds task- and container-level metrics, disabled turns it off. */
    value: 'enabled' | 'disabled' | 'enhanced';
  }>;
  /** Short names of the capacity providers associated with the cluster, e.g. FARGATE, FARGATE_SPOT, or an Auto Scaling group capacity provider that already exists. */
  capacityProviders?: string[];
  /** Strategy used by services that set neither launchType nor capacityProviderStrategy. Every provider named here must be in capacityProviders. */
  defaultCapacityProviderStrategy?: Array<{
    /** Short name of the capacity provider. */
    capacityProvider: string;
    /** Relative share of tasks placed after every base is met. Defaults to 0. */
    weight?: number;
    /** Tasks always placed on this provider before weights apply. Defaults to 0. */
    base?: number;
  }>;
  /** Execute-command (ECS Exec) and managed storage configuration. */
  configuration?: {
    executeCommandConfiguration?: {
      /** KMS key that encrypts the data between the client and the container. */
      kmsKeyId?: string;
      /** Where ECS Exec session output goes: NONE (not logged), DEFAULT (the task's awslogs configuration), OVERRIDE (logConfiguration below). Defaults to DEFAULT. */
      logging?: 'NONE' | 'DEFAULT' | 'OVERRIDE';
      /** Destination of session logs when logging is OVERRIDE. */
      logConfiguration?: {
        /** An existing CloudWatch Logs group. */
        cloudWatchLogGroupName?: string;
        cloudWatchEncryptionEnabled?: boolean;
        /** An existing S3 bucket. */
        s3BucketName?: string;
        s3EncryptionEnabled?: boolean;
        /** Folder in the bucket for the logs. */
        s3KeyPrefix?: string;
      };
    };
    managedStorageConfiguration?: {
      /** Single-Region KMS key for the data volumes ECS manages (Amazon EBS). */
      kmsKeyId?: string;
      /** Single-Region KMS key for Fargate ephemeral storage. */
      fargateEphemeralStorageKmsKeyId?: string;
    };
  };
  /** Default Service Connect namespace for services created in the cluster. */
  serviceConnectDefaults?: {
    /** Cloud Map namespace name or ARN as AWS knows it (not a document reference). A name that does not exist makes ECS create an HTTP namespace of that name. */
    namespace: string;
  };
  /** Tags as a map of key to value. AWS allows 50 per resource, and the controller adds 2 of its own (ecs-gitops.io/owner, ecs-gitops.io/resource), which leaves 48. Keys are 1 to 128 and values up to 256 letters, digits, spaces and + - = . _ : / @ (AWS's tag rules); keys under ecs-gitops.io/ belong to the controller, and aws: (any case) to AWS. */
  tags?: Record<string, string>;
};

/** Desired state of the service; field names follow the CreateService input, with cluster, taskDefinition and serviceRegistries[].cloudMapService naming other documents instead of AWS ARNs. */
export type ServiceSpec = {
  /** Name of the ECS service. Defaults to metadata.name. Create-only; changing it replaces the service. */
  serviceName?: string;
  /** metadata.name of the Cluster document the service runs in. Changing it replaces the service. */
  cluster: string;
  /** metadata.name of the TaskDefinition document to run. The controller pins the revision registered for the document's current content. */
  taskDefinition: string;
  /** Number of tasks to keep running. Leave it out when Application Auto Scaling (or anything else) owns the count: the controller then keeps whatever count is live and never reports it as drift. Not allowed with schedulingStrategy DAEMON. At most 5,000, ECS's quota of tasks per service. */
  desiredCount?: number;
  /** Where tasks run. Left out (with no capacityProviderStrategy), whatever AWS resolves at create is kept (the cluster's default strategy, else EC2). Changing it to another launch type replaces the service; a capacityProviderStrategy replaces it in place. */
  launchType?: 'EC2' | 'FARGATE' | 'EXTERNAL' | 'MANAGED_INSTANCES';
  /** Capacity providers for the tasks, instead of launchType; changed in place. Removing it keeps what the service runs on unless launchType is set. The providers must be associated with the cluster. */
  capacityProviderStrategy?: Array<{
    /** Short name of the capacity provider, e.g. FARGATE or FARGATE_SPOT. */
    capacityProvider: string;
    /** Relative share of tasks placed after every base is met. Defaults to 0. */
    weight?: number;
    /** Tasks always placed on this provider before weights apply. Defaults to 0. */
    base?: number;
  }>;
  /** Fargate platform version, e.g. 1.4.0. Defaults to LATEST. */
  platformVersion?: string;
  /** Load balancer target groups the service's tasks are registered with. */
  loadBalancers?: Array<{
    /** ARN of the target group (Application or Network Load Balancer). */
    targetGroupArn?: string;
    /** Name of a Classic Load Balancer. */
    loadBalancerName?: string;
    /** Container in the task definition that receives the traffic. */
    containerName: string;
    /** Port of that container in its portMappings. */
    containerPort: number;
    /** Blue/green deployment settings for the target group. */
    advancedConfiguration?: {
      alternateTargetGroupArn?: string;
      /** ARN of the production listener or listener rule. */
      productionListenerRule?: string;
      /** ARN of the test listener or listener rule. */
      testListenerRule?: string;
      /** Role that lets ECS manage the load balancer during the deployment. */
      roleArn?: string;
    };
  }>;
  /** Cloud Map registration of the service's tasks. ECS allows one registry per service. */
  serviceRegistries?: Array<{
    /** metadata.name of the CloudMapService document; it takes the place of the API's registryArn. */
    cloudMapService: string;
    /** Port for SRV records under awsvpc, instead of containerName and containerPort. */
    port?: number;
    /** Container whose address is registered (required with bridge or host network mode). */
    containerName?: string;
    /** Port of that container for SRV records. */
    containerPort?: number;
  }>;
  /** Service Connect: the service joins a Cloud Map namespace to call other services by short names, and with services[] it is also reachable under them. Changed in place (a new deployment); removing it turns Service Connect off. Needs the awsvpc or bridge network mode. */
  serviceConnectConfiguration?: {
    enabled: boolean;
    /** metadata.name of a CloudMapNamespace document, or the name or ARN of a Cloud Map namespace managed elsewhere. Defaults to the cluster's serviceConnectDefaults namespace. */
    namespace?: string;
    /** Endpoints this service offers; leave out for a service that only calls others. */
    services?: Array<{
      /** name of a port mapping of a container in the service's task definition. */
      portName: string;
      /** Name of the Cloud Map service ECS creates for this endpoint. Defaults to portName. */
      discoveryName?: string;
      /** The name and port clients use. Defaults to discoveryName.namespace on the port mapping's port. */
      clientAliases?: Array<{
        /** Port the Service Connect proxy listens on in client tasks. */
        port: number;
        /** Name clients connect to. Defaults to discoveryName.namespace. */
        dnsName?: string;
      }>;
      /** Port the proxy listens on in this service's tasks, instead of the default. */
      ingressPortOverride?: number;
      timeout?: {
        /** Seconds an idle connection stays open; 0 turns the timeout off. */
        idleTimeoutSeconds?: number;
        /** Seconds to wait for a complete answer; 0 turns it off. Not for TCP ports. */
        perRequestTimeoutSeconds?: number;
      };
      tls?: {
        issuerCertificateAuthority: {
          /** ARN of the AWS Private CA that signs the endpoint's certificates. */
          awsPcaAuthorityArn: string;
        };
        /** KMS key ARN that encrypts the certificates' private keys. */
        kmsKey?: string;
        /** Role ECS uses to reach the CA and the key. */
        roleArn?: string;
      };
    }>;
    /** Log driver for the Service Connect proxy container. */
    logConfiguration?: {
      logDriver: 'json-file' | 'syslog' | 'journald' | 'gelf' | 'fluentd' | 'awslogs' | 'splunk' | 'awsfirelens';
      options?: Record<string, string>;
      secretOptions?: Array<{
        name: string;
        valueFrom: string;
      }>;
    };
  };
  /** Amazon EBS volumes ECS creates and attaches to each task at launch, one per task. The task definition must declare a volume of the same name with configuredAtLaunch. Changed in place (a new deployment); removing it stops attaching volumes (the task definition must then no longer configure the volume at launch). */
  volumeConfigurations?: Array<{
    /** name of the task definition's volume with configuredAtLaunch true. */
    name: string;
    managedEBSVolume: {
      /** ECS infrastructure role that manages the volumes (AmazonECSInfrastructureRolePolicyForVolumes). */
      roleArn: string;
      /** EBS volume type. Defaults to gp3. */
      volumeType?: 'gp2' | 'gp3' | 'io1' | 'io2' | 'sc1' | 'st1' | 'standard';
      /** Size in GiB; with snapshotId at least the snapshot's size. */
      sizeInGiB?: number;
      /** EBS snapshot the volumes are created from. */
      snapshotId?: string;
      /** MiB/s at which the snapshot's data is fetched. */
      volumeInitializationRate?: number;
      /** Provisioned IOPS (gp3, io1, io2). */
      iops?: number;
      /** MiB/s (gp3 only). */
      throughput?: number;
      encrypted?: boolean;
      /** KMS key for the volumes' encryption. */
      kmsKeyId?: string;
      /** Filesystem ECS formats the volume with. Defaults to xfs on Linux. */
      filesystemType?: 'ext3' | 'ext4' | 'xfs' | 'ntfs';
      /** Tags ECS puts on the volumes. */
      tagSpecifications?: Array<{
        resourceType: 'volume';
        tags?: Array<{
          key: string;
          value: string;
        }>;
        /** Copy the tags of the task definition or the service onto the volumes. */
        propagateTags?: 'TASK_DEFINITION' | 'SERVICE' | 'NONE';
      }>;
    };
  }>;
  /** IAM role that lets ECS call the load balancer, for services not using awsvpc and without the service-linked role. Create-only. Left out, ECS uses (and reports) its service-linked role AWSServiceRoleForECS, which is no difference. */
  role?: string;
  /** How deployments replace tasks. AWS defaults to maximumPercent 200 and minimumHealthyPercent 100 (for a DAEMON service, 100 and 0). */
  deploymentConfiguration?: {
    /** Stop a deployment whose tasks keep failing to start or become healthy, and with rollback, return to the last completed deployment. Only for the ECS deployment controller; such a rollback makes the service Degraded. */
    deploymentCircuitBreaker?: {
      enable: boolean;
      rollback: boolean;
    };
    /** Upper limit of running or pending tasks during a deployment, as a percentage of desiredCount. */
    maximumPercent?: number;
    /** Lower limit of running healthy tasks during a deployment, as a percentage of desiredCount. */
    minimumHealthyPercent?: number;
    /** CloudWatch alarms that fail a deployment when they go into ALARM. */
    alarms?: {
      alarmNames: string[];
      enable: boolean;
      rollback: boolean;
    };
    /** Deployment strategy of the ECS deployment controller. Defaults to ROLLING. */
    strategy?: 'ROLLING' | 'BLUE_GREEN' | 'LINEAR' | 'CANARY';
    /** Minutes both revisions run side by side after traffic has moved (BLUE_GREEN, LINEAR, CANARY). */
    bakeTimeInMinutes?: number;
    /** Lambda functions (or pauses) run at stages of a BLUE_GREEN, LINEAR or CANARY deployment; a hook that fails (or times out with action ROLLBACK) rolls the deployment back. */
    lifecycleHooks?: Array<{
      /** AWS_LAMBDA (the default) invokes hookTargetArn; PAUSE waits for ContinueServiceDeployment. */
      targetType?: 'AWS_LAMBDA' | 'PAUSE';
      /** ARN of the Lambda function. */
      hookTargetArn?: string;
      /** Role ECS uses to invoke the function. */
      roleArn?: string;
      lifecycleStages: Array<'RECONCILE_SERVICE' | 'PRE_SCALE_UP' | 'POST_SCALE_UP' | 'TEST_TRAFFIC_SHIFT' | 'POST_TEST_TRAFFIC_SHIFT' | 'PRE_PRODUCTION_TRAFFIC_SHIFT' | 'PRODUCTION_TRAFFIC_SHIFT' | 'POST_PRODUCTION_TRAFFIC_SHIFT'>;
      /** Parameters passed to the function on each invocation. */
      hookDetails?: Record<string, unknown>;
      timeoutConfiguration?: {
        /** Minutes to wait for the hook. Defaults to 1440. */
        timeoutInMinutes?: number;
        /** What ECS does when the hook times out. Defaults to ROLLBACK. */
        action?: 'CONTINUE' | 'ROLLBACK';
      };
    }>;
    /** Settings of the LINEAR strategy. */
    linearConfiguration?: {
      /** Percentage of traffic moved per step, in steps of 0.1. Defaults to 10. */
      stepPercent?: number;
      /** Minutes between steps. Defaults to 6. */
      stepBakeTimeInMinutes?: number;
    };
    /** Settings of the CANARY strategy. */
    canaryConfiguration?: {
      /** Percentage of traffic sent to the new revision first, in steps of 0.1. Defaults to 5. */
      canaryPercent?: number;
      /** Minutes before the rest of the traffic moves. Defaults to 10. */
      canaryBakeTimeInMinutes?: number;
    };
  };
  /** Rules for which EC2 container instances may run the tasks (not Fargate). */
  placementConstraints?: Array<{
    type?: 'distinctInstance' | 'memberOf';
    /** A cluster query language expression (memberOf only). */
    expression?: string;
  }>;
  /** How tasks are spread over EC2 container instances (not Fargate). */
  placementStrategy?: Array<{
    type?: 'random' | 'spread' | 'binpack';
    /** spread - instanceId, host or an attribute such as attribute:ecs.availability-zone; binpack - cpu or memory; random - none. */
    field?: string;
  }>;
  /** Network settings for tasks whose task definition uses awsvpc; required for them. */
  networkConfiguration?: {
    awsvpcConfiguration?: {
      /** Subnet ids, all in one VPC. */
      subnets: string[];
      /** Security group ids, in the subnets' VPC. The VPC's default group when absent. */
      securityGroups?: string[];
      /** Give each task a public IP. Defaults to DISABLED. */
      assignPublicIp?: 'ENABLED' | 'DISABLED';
    };
  };
  /** Seconds after a task starts during which load balancer and container health check failures are ignored. */
  healthCheckGracePeriodSeconds?: number;
  /** REPLICA keeps desiredCount tasks; DAEMON one task per container instance (EC2). Create-only; defaults to REPLICA. */
  schedulingStrategy?: 'REPLICA' | 'DAEMON';
  /** Who performs deployments. Only ECS (the default) is accepted; CODE_DEPLOY and EXTERNAL services deploy through task sets, which UpdateService cannot change and this controller does not manage, so they are refused rather than stalled on every sync. */
  deploymentController?: {
    type: 'ECS';
  };
  /** Tag tasks with the cluster and service names. */
  enableECSManagedTags?: boolean;
  /** Copy the tags of the task definition or the service to the tasks. Defaults to NONE. */
  propagateTags?: 'TASK_DEFINITION' | 'SERVICE' | 'NONE';
  /** Allow ECS Exec into the service's tasks. */
  enableExecuteCommand?: boolean;
  /** Let ECS move tasks to even out Availability Zones. */
  availabilityZoneRebalancing?: 'ENABLED' | 'DISABLED';
  /** Tags as a map of key to value. AWS allows 50 per resource, and the controller adds 4 of its own (ecs-gitops.io/owner, ecs-gitops.io/resource, ecs-gitops.io/task-definition, ecs-gitops.io/task-definition-hash), which leaves 46. Keys are 1 to 128 and values up to 256 letters, digits, spaces and + - = . _ : / @ (AWS's tag rules); keys under ecs-gitops.io/ belong to the controller, and aws: (any case) to AWS. */
  tags?: Record<string, string>;
};

/** Desired content of the task definition; field names follow the RegisterTaskDefinition input. */
export type TaskDefinitionSpec = {
  /** Task definition family. Defaults to metadata.name. Changing it starts a new family. */
  family?: string;
  /** IAM role the containers' application code assumes to call AWS. */
  taskRoleArn?: string;
  /** IAM role the ECS agent uses to pull private images, write awslogs and read secrets. Required for Fargate tasks that use any of these. */
  executionRoleArn?: string;
  /** Docker networking mode. FARGATE requires awsvpc. Defaults to bridge on EC2 Linux. */
  networkMode?: 'none' | 'bridge' | 'host' | 'awsvpc';
  /** The containers of the task (ECS allows 10). Names must be unique; at least one container must be essential. */
  containerDefinitions: Array<{
    /** Container name, referenced by links, dependsOn, load balancers and service registries. */
    name: string;
    /** Image reference, repository-url/image:tag or repository-url/image@sha256:digest. Pin a tag or a digest: a moving tag changes what runs without a commit. */
    image: string;
    /** Credentials for a private registry outside Amazon ECR. */
    repositoryCredentials?: {
      /** ARN of the Secrets Manager secret that holds the registry credentials. */
      credentialsParameter: string;
    };
    /** CPU units reserved for the container (1024 = one vCPU). */
    cpu?: number;
    /** Hard memory limit in MiB; the container is killed above it. Docker 20.10 and later needs at least 6 MiB. */
    memory?: number;
    /** Soft memory limit in MiB; must be less than memory when both are set. */
    memoryReservation?: number;
    /** Other containers to link to (bridge network mode only), as name or name:alias. */
    links?: string[];
    /** Ports the container exposes. Under awsvpc, hostPort is left out or equals containerPort. */
    portMappings?: Array<{
      containerPort?: number;
      /** 0 or absent means a dynamic host port (bridge mode). */
      hostPort?: number;
      /** Defaults to tcp. */
      protocol?: 'tcp' | 'udp';
      /** Name of the mapping, used by Service Connect. */
      name?: string;
      /** Application protocol for Service Connect metrics and routing. */
      appProtocol?: 'http' | 'http2' | 'grpc';
      /** A range such as 8000-8100, bound to a dynamic host port range; instead of containerPort. */
      containerPortRange?: string;
    }>;
    /** When an essential container stops, the whole task stops. Defaults to true. */
    essential?: boolean;
    /** Restart the container in place when it exits, instead of replacing the task. */
    restartPolicy?: {
      enabled: boolean;
      /** Exit codes that do not trigger a restart. */
      ignoredExitCodes?: number[];
      /** Seconds the container must run before a restart may be attempted. Defaults to 300. */
      restartAttemptPeriod?: number;
    };
    entryPoint?: string[];
    command?: string[];
    /** Plain environment variables. Put credentials in secrets instead. */
    environment?: Array<{
      name: string;
      value?: string;
    }>;
    /** .env files in S3 loaded into the environment. */
    environmentFiles?: Array<{
      /** ARN of the S3 object. */
      value: string;
      type: 's3';
    }>;
    mountPoints?: Array<{
      /** Name of a volume in spec.volumes. */
      sourceVolume?: string;
      containerPath?: string;
      readOnly?: boolean;
    }>;
    volumesFrom?: Array<{
      sourceContainer?: string;
      readOnly?: boolean;
    }>;
    /** Linux-specific options passed to Docker. */
    linuxParameters?: {
      /** Linux capabilities to add to or drop from Docker's default set (Fargate may only add SYS_PTRACE). */
      capabilities?: {
        add?: string[];
        drop?: string[];
      };
      /** Host devices exposed to the container (not on Fargate). */
      devices?: Array<{
        hostPath: string;
        containerPath?: string;
        permissions?: Array<'read' | 'write' | 'mknod'>;
      }>;
      /** Run an init process as PID 1 that forwards signals and reaps zombies. */
      initProcessEnabled?: boolean;
      /** Size of /dev/shm in MiB (not on Fargate). */
      sharedMemorySize?: number;
      /** tmpfs mounts (not on Fargate). */
      tmpfs?: Array<{
        containerPath: string;
        /** Maximum size in MiB. */
        size: number;
        mountOptions?: string[];
      }>;
      /** Swap in MiB the container may use; 0 means none (not on Fargate). */
      maxSwap?: number;
      /** Tendency to swap memory pages; takes effect only with maxSwap. */
      swappiness?: number;
    };
    /** Environment variables read from Secrets Manager or SSM Parameter Store when the task starts. */
    secrets?: Array<{
      /** Name of the environment variable. */
      name: string;
      /** ARN of a Secrets Manager secret (optionally :json-key:version-stage:version-id) or ARN or name of an SSM parameter. */
      valueFrom: string;
    }>;
    /** Containers that must reach a condition before this one starts. */
    dependsOn?: Array<{
      containerName: string;
      /** HEALTHY needs a healthCheck on the other container. */
      condition: 'START' | 'COMPLETE' | 'SUCCESS' | 'HEALTHY';
    }>;
    /** Seconds to wait for dependsOn conditions before giving up (2 to 120 on Fargate). */
    startTimeout?: number;
    /** Seconds between SIGTERM and SIGKILL (2 to 120 on Fargate; defaults to 30). */
    stopTimeout?: number;
    /** enabled resolves the image tag to a digest at deployment so all tasks run the same image. Defaults to enabled. */
    versionConsistency?: 'enabled' | 'disabled';
    /** Not allowed with awsvpc network mode. */
    hostname?: string;
    /** user, user:group, uid, uid:gid and similar forms. */
    user?: string;
    workingDirectory?: string;
    disableNetworking?: boolean;
    /** Not on Fargate. */
    privileged?: boolean;
    readonlyRootFilesystem?: boolean;
    dnsServers?: string[];
    dnsSearchDomains?: string[];
    /** Entries added to /etc/hosts (not with awsvpc network mode). */
    extraHosts?: Array<{
      hostname: string;
      ipAddress: string;
    }>;
    /** Labels for SELinux and AppArmor, e.g. no-new-privileges (not on Fargate). */
    dockerSecurityOptions?: string[];
    interactive?: boolean;
    pseudoTerminal?: boolean;
    dockerLabels?: Record<string, string>;
    ulimits?: Array<{
      name: 'core' | 'cpu' | 'data' | 'fsize' | 'locks' | 'memlock' | 'msgqueue' | 'nice' | 'nofile' | 'nproc' | 'rss' | 'rtprio' | 'rttime' | 'sigpending' | 'stack';
      softLimit: number;
      hardLimit: number;
    }>;
    /** Log driver for the container; Fargate supports awslogs, splunk and awsfirelens. */
    logConfiguration?: {
      logDriver: 'json-file' | 'syslog' | 'journald' | 'gelf' | 'fluentd' | 'awslogs' | 'splunk' | 'awsfirelens';
      /** Driver options, e.g. awslogs-group, awslogs-region, awslogs-stream-prefix. */
      options?: Record<string, string>;
      /** Driver options read from Secrets Manager or SSM. */
      secretOptions?: Array<{
        name: string;
        valueFrom: string;
      }>;
    };
    /** Container health check run by the agent; its result feeds dependsOn HEALTHY and the task health. */
    healthCheck?: {
      /** ["CMD", "executable", "arg"...] or ["CMD-SHELL", "shell command"]. */
      command: string[];
      /** Seconds between checks. Defaults to 30. */
      interval?: number;
      /** Seconds before a check counts as failed. Defaults to 5. */
      timeout?: number;
      /** Consecutive failures before the container is unhealthy. Defaults to 3. */
      retries?: number;
      /** Seconds of grace after start during which failures do not count. */
      startPeriod?: number;
    };
    /** Kernel parameters (sysctl) set in the container. */
    systemControls?: Array<{
      namespace?: string;
      value?: string;
    }>;
    /** GPUs or other accelerators reserved for the container. */
    resourceRequirements?: Array<{
      type: 'GPU' | 'InferenceAccelerator' | 'NeuronDevice';
      /** Number of GPUs, the accelerator's deviceName, or ALL for NeuronDevice. */
      value?: string;
    }>;
    /** Makes this container the FireLens log router of the task. */
    firelensConfiguration?: {
      type: 'fluentd' | 'fluentbit';
      options?: Record<string, string>;
    };
    /** ARN of a credential spec for Active Directory authentication (at most one). */
    credentialSpecs?: string[];
  }>;
  /** Volumes the containers can mount; each uses at most one volume type. */
  volumes?: Array<{
    /** Name referenced by mountPoints[].sourceVolume. */
    name: string;
    /** A bind mount; without sourcePath, a task-scoped empty volume. */
    host?: {
      sourcePath?: string;
    };
    /** A Docker volume (EC2 only). */
    dockerVolumeConfiguration?: {
      /** task volumes are removed with the task; shared ones persist. */
      scope?: 'task' | 'shared';
      /** Create the volume if it does not exist (shared scope only). */
      autoprovision?: boolean;
      driver?: string;
      driverOpts?: Record<string, string>;
      labels?: Record<string, string>;
    };
    /** An Amazon EFS file system. */
    efsVolumeConfiguration?: {
      fileSystemId: string;
      /** Directory of the file system mounted as the volume root. Defaults to /. */
      rootDirectory?: string;
      /** Encrypt data between the host and EFS. Defaults to DISABLED. */
      transitEncryption?: 'ENABLED' | 'DISABLED';
      transitEncryptionPort?: number;
      authorizationConfig?: {
        accessPointId?: string;
        /** Mount with the task role's IAM identity. */
        iam?: 'ENABLED' | 'DISABLED';
      };
    };
    /** An Amazon FSx for Windows File Server file system. */
    fsxWindowsFileServerVolumeConfiguration?: {
      fileSystemId: string;
      rootDirectory: string;
      authorizationConfig: {
        /** ARN of the Secrets Manager secret or SSM parameter with the credentials. */
        credentialsParameter: string;
        /** Fully qualified domain name of the Active Directory. */
        domain: string;
      };
    };
    /** An Amazon S3 Files file system. */
    s3filesVolumeConfiguration?: {
      fileSystemArn: string;
      rootDirectory?: string;
      transitEncryptionPort?: number;
      accessPointArn?: string;
    };
    /** The volume is configured when a task or service is launched (Amazon EBS). */
    configuredAtLaunch?: boolean;
  }>;
  /** Placement constraints for tasks on EC2 (not Fargate). */
  placementConstraints?: Array<{
    type?: 'memberOf';
    /** A cluster query language expression. */
    expression?: string;
  }>;
  /** Launch types the task definition is validated against. */
  requiresCompatibilities?: Array<'EC2' | 'FARGATE' | 'EXTERNAL' | 'MANAGED_INSTANCES'>;
  /** Task CPU units as an integer or a string: 256, "256", "1 vCPU". Required for Fargate, where only certain cpu/memory pairs are allowed. */
  cpu?: number | string;
  /** Task memory in MiB as an integer or a string: 512, "512", "2 GB". Required for Fargate. */
  memory?: number | string;
  /** Process namespace shared by the containers; Fargate Linux allows only task. */
  pidMode?: 'host' | 'task';
  /** IPC namespace of the containers (not on Fargate). */
  ipcMode?: 'host' | 'task' | 'none';
  /** App Mesh proxy configuration. */
  proxyConfiguration?: {
    type?: 'APPMESH';
    containerName: string;
    properties?: Array<{
      name: string;
      value?: string;
    }>;
  };
  /** Elastic Inference accelerators (a retired AWS feature, kept for old task definitions). */
  inferenceAccelerators?: Array<{
    deviceName: string;
    deviceType: string;
  }>;
  /** Fargate ephemeral storage beyond the default 20 GiB. */
  ephemeralStorage?: {
    sizeInGiB: number;
  };
  /** Operating system and CPU architecture the task runs on. */
  runtimePlatform?: {
    cpuArchitecture?: 'X86_64' | 'ARM64';
    operatingSystemFamily?: 'LINUX' | 'WINDOWS_SERVER_2016_FULL' | 'WINDOWS_SERVER_2019_FULL' | 'WINDOWS_SERVER_2019_CORE' | 'WINDOWS_SERVER_2022_FULL' | 'WINDOWS_SERVER_2022_CORE' | 'WINDOWS_SERVER_2025_FULL' | 'WINDOWS_SERVER_2025_CORE' | 'WINDOWS_SERVER_2004_CORE' | 'WINDOWS_SERVER_20H2_CORE';
  };
  /** Allow fault injection requests from the task's containers. */
  enableFaultInjection?: boolean;
  /** Tags as a map of key to value. AWS allows 50 per resource, and the controller adds 3 of its own (ecs-gitops.io/owner, ecs-gitops.io/resource, ecs-gitops.io/spec-hash), which leaves 47. Keys are 1 to 128 and values up to 256 letters, digits, spaces and + - = . _ : / @ (AWS's tag rules); keys under ecs-gitops.io/ belong to the controller, and aws: (any case) to AWS. */
  tags?: Record<string, string>;
};

/** Every kind's spec type, by kind. */
export interface Specs {
  CloudMapInstance: CloudMapInstanceSpec;
  CloudMapNamespace: CloudMapNamespaceSpec;
  CloudMapService: CloudMapServiceSpec;
  Cluster: ClusterSpec;
  Service: ServiceSpec;
  TaskDefinition: TaskDefinitionSpec;
}
