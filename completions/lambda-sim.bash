# bash completion for lambda-sim (generated; do not edit)
_lambda_sim() {
    local cur prev words cword
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev="${COMP_WORDS[COMP_CWORD-1]}"
    local globals="--region --profile --output --query --cli-binary-format --cli-input-json --generate-cli-skeleton --endpoint-url --state --no-cli-pager --cli-auto-prompt --no-cli-auto-prompt --debug --v2-debug --no-paginate --no-verify-ssl --no-sign-request --ca-bundle --cli-read-timeout --cli-connect-timeout --color --version --help"
    local services="lambda sqs sns kinesis dynamodb events s3 s3api iam sts"
    local service=lambda command="" i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${COMP_WORDS[i]}" in
            --*) ;;
            *) if [[ -z $command ]]; then
                   if [[ " $services " == *" ${COMP_WORDS[i]} "* && $service == lambda && $i -le 2 ]]; then service=${COMP_WORDS[i]}; else command=${COMP_WORDS[i]}; fi
               fi ;;
        esac
    done
    case "$prev" in
        --function-name) COMPREPLY=($(compgen -W "$(lambda-sim __complete function 2>/dev/null)" -- "$cur")); return ;;
        --queue-url) COMPREPLY=($(compgen -W "$(lambda-sim __complete queue 2>/dev/null)" -- "$cur")); return ;;
        --zip-file|--code-path|--scenario|--state) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    esac
    if [[ -z $command ]]; then
        case "$service" in
            lambda) COMPREPLY=($(compgen -W "invoke create-function get-function get-function-configuration list-functions delete-function update-function-configuration update-function-code publish-version list-versions-by-function create-alias get-alias list-aliases update-alias delete-alias put-function-concurrency get-function-concurrency delete-function-concurrency get-account-settings put-function-event-invoke-config put-destination update-function-event-invoke-config get-function-event-invoke-config list-function-event-invoke-configs delete-function-event-invoke-config create-event-source-mapping create-esm get-event-source-mapping list-event-source-mappings update-event-source-mapping delete-event-source-mapping create-function-url-config get-function-url-config update-function-url-config delete-function-url-config list-function-url-configs add-permission get-policy remove-permission tag-resource untag-resource list-tags put-function-recursion-config get-function-recursion-config publish-layer-version get-layer-version get-layer-version-by-arn list-layers list-layer-versions delete-layer-version add-layer-version-permission get-layer-version-policy remove-layer-version-permission wait simulate tour logs state generate-event serve completion sqs sns kinesis dynamodb events s3 s3api iam sts $globals" -- "$cur")) ;;
            sqs) COMPREPLY=($(compgen -W "create-queue get-queue-url get-queue-attributes set-queue-attributes send-message send-message-batch receive-message delete-message delete-message-batch change-message-visibility purge-queue list-queues delete-queue tag-queue untag-queue list-queue-tags $globals" -- "$cur")) ;;
            sns) COMPREPLY=($(compgen -W "create-topic subscribe publish list-topics list-subscriptions unsubscribe $globals" -- "$cur")) ;;
            kinesis) COMPREPLY=($(compgen -W "create-stream put-record put-records describe-stream list-streams increase-stream-retention-period decrease-stream-retention-period $globals" -- "$cur")) ;;
            dynamodb) COMPREPLY=($(compgen -W "create-table describe-table list-tables put-item update-item delete-item get-item scan $globals" -- "$cur")) ;;
            events) COMPREPLY=($(compgen -W "create-event-bus put-events list-event-buses put-rule describe-rule list-rules delete-rule enable-rule disable-rule put-targets list-targets-by-rule remove-targets list-rule-names-by-target $globals" -- "$cur")) ;;
            s3) COMPREPLY=($(compgen -W "mb cp ls rm rb $globals" -- "$cur")) ;;
            s3api) COMPREPLY=($(compgen -W "create-bucket head-bucket list-buckets delete-bucket put-object get-object head-object delete-object delete-objects copy-object list-objects-v2 put-bucket-notification-configuration get-bucket-notification-configuration $globals" -- "$cur")) ;;
            iam) COMPREPLY=($(compgen -W "create-role get-role list-roles update-role delete-role update-assume-role-policy put-role-policy get-role-policy list-role-policies delete-role-policy attach-role-policy detach-role-policy list-attached-role-policies create-policy get-policy get-policy-version list-policies delete-policy create-user get-user list-users delete-user attach-user-policy detach-user-policy list-attached-user-policies put-user-policy get-user-policy list-user-policies delete-user-policy $globals" -- "$cur")) ;;
            sts) COMPREPLY=($(compgen -W "get-caller-identity $globals" -- "$cur")) ;;
        esac
        return
    fi
    local opts=""
    case "$service $command" in
        "lambda invoke") opts="--function-name --invocation-type --log-type --client-context --durable-execution-name --payload --qualifier --tenant-id" ;;
        "lambda create-function") opts="--function-name --runtime --role --handler --code --description --timeout --memory-size --publish --no-publish --vpc-config --package-type --dead-letter-config --environment --kms-key-arn --tracing-config --tags --layers --file-system-configs --image-config --code-signing-config-arn --architectures --ephemeral-storage --snap-start --logging-config --capacity-provider-config --publish-to --durable-config --tenancy-config --zip-file --code-path" ;;
        "lambda get-function") opts="--function-name --qualifier" ;;
        "lambda get-function-configuration") opts="--function-name --qualifier" ;;
        "lambda list-functions") opts="--master-region --function-version --starting-token --page-size --max-items" ;;
        "lambda delete-function") opts="--function-name --qualifier" ;;
        "lambda update-function-configuration") opts="--function-name --role --handler --description --timeout --memory-size --vpc-config --environment --runtime --dead-letter-config --kms-key-arn --tracing-config --revision-id --layers --file-system-configs --image-config --ephemeral-storage --snap-start --logging-config --capacity-provider-config --durable-config" ;;
        "lambda update-function-code") opts="--function-name --zip-file --s3-bucket --s3-key --s3-object-version --image-uri --publish --no-publish --dry-run --no-dry-run --revision-id --architectures --source-kms-key-arn --publish-to --code-path" ;;
        "lambda publish-version") opts="--function-name --code-sha256 --description --revision-id --publish-to" ;;
        "lambda list-versions-by-function") opts="--function-name --starting-token --page-size --max-items" ;;
        "lambda create-alias") opts="--function-name --name --function-version --description --routing-config" ;;
        "lambda get-alias") opts="--function-name --name" ;;
        "lambda list-aliases") opts="--function-name --function-version --starting-token --page-size --max-items" ;;
        "lambda update-alias") opts="--function-name --name --function-version --description --routing-config --revision-id" ;;
        "lambda delete-alias") opts="--function-name --name" ;;
        "lambda put-function-concurrency") opts="--function-name --reserved-concurrent-executions" ;;
        "lambda get-function-concurrency") opts="--function-name" ;;
        "lambda delete-function-concurrency") opts="--function-name" ;;
        "lambda get-account-settings") opts="" ;;
        "lambda put-function-event-invoke-config"|"lambda put-destination") opts="--function-name --qualifier --maximum-retry-attempts --maximum-event-age-in-seconds --destination-config --on-success --on-failure" ;;
        "lambda update-function-event-invoke-config") opts="--function-name --qualifier --maximum-retry-attempts --maximum-event-age-in-seconds --destination-config" ;;
        "lambda get-function-event-invoke-config") opts="--function-name --qualifier" ;;
        "lambda list-function-event-invoke-configs") opts="--function-name --starting-token --page-size --max-items" ;;
        "lambda delete-function-event-invoke-config") opts="--function-name --qualifier" ;;
        "lambda create-event-source-mapping"|"lambda create-esm") opts="--event-source-arn --function-name --enabled --no-enabled --batch-size --filter-criteria --maximum-batching-window-in-seconds --parallelization-factor --starting-position --starting-position-timestamp --destination-config --maximum-record-age-in-seconds --bisect-batch-on-function-error --no-bisect-batch-on-function-error --maximum-retry-attempts --tags --tumbling-window-in-seconds --topics --queues --source-access-configurations --self-managed-event-source --function-response-types --amazon-managed-kafka-event-source-config --self-managed-kafka-event-source-config --scaling-config --document-db-event-source-config --kms-key-arn --metrics-config --logging-config --provisioned-poller-config" ;;
        "lambda get-event-source-mapping") opts="--uuid" ;;
        "lambda list-event-source-mappings") opts="--event-source-arn --function-name --starting-token --page-size --max-items" ;;
        "lambda update-event-source-mapping") opts="--uuid --function-name --enabled --no-enabled --batch-size --filter-criteria --maximum-batching-window-in-seconds --destination-config --maximum-record-age-in-seconds --bisect-batch-on-function-error --no-bisect-batch-on-function-error --maximum-retry-attempts --parallelization-factor --source-access-configurations --tumbling-window-in-seconds --function-response-types --scaling-config --amazon-managed-kafka-event-source-config --self-managed-kafka-event-source-config --document-db-event-source-config --kms-key-arn --metrics-config --logging-config --provisioned-poller-config" ;;
        "lambda delete-event-source-mapping") opts="--uuid" ;;
        "lambda create-function-url-config") opts="--function-name --qualifier --auth-type --cors --invoke-mode" ;;
        "lambda get-function-url-config") opts="--function-name --qualifier" ;;
        "lambda update-function-url-config") opts="--function-name --qualifier --auth-type --cors --invoke-mode" ;;
        "lambda delete-function-url-config") opts="--function-name --qualifier" ;;
        "lambda list-function-url-configs") opts="--function-name --starting-token --page-size --max-items" ;;
        "lambda add-permission") opts="--function-name --statement-id --action --principal --source-arn --source-account --event-source-token --qualifier --revision-id --principal-org-id --function-url-auth-type --invoked-via-function-url --no-invoked-via-function-url" ;;
        "lambda get-policy") opts="--function-name --qualifier" ;;
        "lambda remove-permission") opts="--function-name --statement-id --qualifier --revision-id" ;;
        "lambda tag-resource") opts="--resource --tags" ;;
        "lambda untag-resource") opts="--resource --tag-keys" ;;
        "lambda list-tags") opts="--resource" ;;
        "lambda put-function-recursion-config") opts="--function-name --recursive-loop" ;;
        "lambda get-function-recursion-config") opts="--function-name" ;;
        "lambda publish-layer-version") opts="--layer-name --description --content --compatible-runtimes --license-info --compatible-architectures --zip-file" ;;
        "lambda get-layer-version") opts="--layer-name --version-number" ;;
        "lambda get-layer-version-by-arn") opts="--arn" ;;
        "lambda list-layers") opts="--compatible-runtime --compatible-architecture --starting-token --page-size --max-items" ;;
        "lambda list-layer-versions") opts="--compatible-runtime --layer-name --compatible-architecture --starting-token --page-size --max-items" ;;
        "lambda delete-layer-version") opts="--layer-name --version-number" ;;
        "lambda add-layer-version-permission") opts="--layer-name --version-number --statement-id --action --principal --organization-id --revision-id" ;;
        "lambda get-layer-version-policy") opts="--layer-name --version-number" ;;
        "lambda remove-layer-version-permission") opts="--layer-name --version-number --statement-id --revision-id" ;;
        "sqs create-queue") opts="--queue-name --attributes --tags" ;;
        "sqs get-queue-url") opts="--queue-name --queue-owner-aws-account-id" ;;
        "sqs get-queue-attributes") opts="--queue-url --attribute-names" ;;
        "sqs set-queue-attributes") opts="--queue-url --attributes" ;;
        "sqs send-message") opts="--queue-url --message-body --delay-seconds --message-attributes --message-system-attributes --message-deduplication-id --message-group-id" ;;
        "sqs send-message-batch") opts="--queue-url --entries" ;;
        "sqs receive-message") opts="--queue-url --attribute-names --message-system-attribute-names --message-attribute-names --max-number-of-messages --visibility-timeout --wait-time-seconds --receive-request-attempt-id" ;;
        "sqs delete-message") opts="--queue-url --receipt-handle" ;;
        "sqs delete-message-batch") opts="--queue-url --entries" ;;
        "sqs change-message-visibility") opts="--queue-url --receipt-handle --visibility-timeout" ;;
        "sqs purge-queue") opts="--queue-url" ;;
        "sqs list-queues") opts="--queue-name-prefix --starting-token --page-size --max-items" ;;
        "sqs delete-queue") opts="--queue-url" ;;
        "sqs tag-queue") opts="--queue-url --tags" ;;
        "sqs untag-queue") opts="--queue-url --tag-keys" ;;
        "sqs list-queue-tags") opts="--queue-url" ;;
        "sns create-topic") opts="--name --attributes --tags --data-protection-policy" ;;
        "sns subscribe") opts="--topic-arn --protocol --notification-endpoint --attributes --return-subscription-arn --no-return-subscription-arn" ;;
        "sns publish") opts="--topic-arn --target-arn --phone-number --message --subject --message-structure --message-attributes --message-deduplication-id --message-group-id" ;;
        "sns list-topics") opts="--starting-token --page-size --max-items" ;;
        "sns list-subscriptions") opts="--starting-token --page-size --max-items" ;;
        "sns unsubscribe") opts="--subscription-arn" ;;
        "kinesis create-stream") opts="--stream-name --shard-count --stream-mode-details --tags --warm-throughput-mi-bps --max-record-size-in-ki-b" ;;
        "kinesis put-record") opts="--stream-name --data --partition-key --explicit-hash-key --sequence-number-for-ordering --stream-arn --stream-id" ;;
        "kinesis put-records") opts="--records --stream-name --stream-arn --stream-id" ;;
        "kinesis describe-stream") opts="--stream-name --stream-arn --stream-id --starting-token --page-size --max-items" ;;
        "kinesis list-streams") opts="--exclusive-start-stream-name --starting-token --page-size --max-items" ;;
        "kinesis increase-stream-retention-period") opts="--stream-name --retention-period-hours --stream-arn --stream-id" ;;
        "kinesis decrease-stream-retention-period") opts="--stream-name --retention-period-hours --stream-arn --stream-id" ;;
        "dynamodb create-table") opts="--attribute-definitions --table-name --key-schema --local-secondary-indexes --global-secondary-indexes --billing-mode --provisioned-throughput --stream-specification --sse-specification --tags --table-class --deletion-protection-enabled --no-deletion-protection-enabled --warm-throughput --resource-policy --on-demand-throughput --global-table-source-arn --global-table-settings-replication-mode" ;;
        "dynamodb describe-table") opts="--table-name" ;;
        "dynamodb list-tables") opts="--starting-token --page-size --max-items" ;;
        "dynamodb put-item") opts="--table-name --item --expected --return-values --return-consumed-capacity --return-item-collection-metrics --conditional-operator --condition-expression --expression-attribute-names --expression-attribute-values --return-values-on-condition-check-failure" ;;
        "dynamodb update-item") opts="--table-name --key --attribute-updates --expected --conditional-operator --return-values --return-consumed-capacity --return-item-collection-metrics --update-expression --condition-expression --expression-attribute-names --expression-attribute-values --return-values-on-condition-check-failure" ;;
        "dynamodb delete-item") opts="--table-name --key --expected --conditional-operator --return-values --return-consumed-capacity --return-item-collection-metrics --condition-expression --expression-attribute-names --expression-attribute-values --return-values-on-condition-check-failure" ;;
        "dynamodb get-item") opts="--table-name --key --attributes-to-get --consistent-read --no-consistent-read --return-consumed-capacity --projection-expression --expression-attribute-names" ;;
        "dynamodb scan") opts="--table-name --index-name --attributes-to-get --select --scan-filter --conditional-operator --return-consumed-capacity --total-segments --segment --projection-expression --filter-expression --expression-attribute-names --expression-attribute-values --consistent-read --no-consistent-read --starting-token --page-size --max-items" ;;
        "events create-event-bus") opts="--name --event-source-name --description --kms-key-identifier --dead-letter-config --log-config --tags" ;;
        "events put-events") opts="--entries --endpoint-id" ;;
        "events list-event-buses") opts="--name-prefix --next-token --limit" ;;
        "events put-rule") opts="--name --schedule-expression --event-pattern --state --description --role-arn --tags --event-bus-name" ;;
        "events describe-rule") opts="--name --event-bus-name" ;;
        "events list-rules") opts="--name-prefix --event-bus-name --starting-token --page-size --max-items" ;;
        "events delete-rule") opts="--name --event-bus-name --force --no-force" ;;
        "events enable-rule") opts="--name --event-bus-name" ;;
        "events disable-rule") opts="--name --event-bus-name" ;;
        "events put-targets") opts="--rule --event-bus-name --targets" ;;
        "events list-targets-by-rule") opts="--rule --event-bus-name --starting-token --page-size --max-items" ;;
        "events remove-targets") opts="--rule --event-bus-name --ids --force --no-force" ;;
        "events list-rule-names-by-target") opts="--target-arn --event-bus-name --starting-token --page-size --max-items" ;;
        "iam create-role") opts="--path --role-name --assume-role-policy-document --description --max-session-duration --permissions-boundary --tags" ;;
        "iam get-role") opts="--role-name" ;;
        "iam list-roles") opts="--path-prefix --starting-token --page-size --max-items" ;;
        "iam update-role") opts="--role-name --description --max-session-duration" ;;
        "iam delete-role") opts="--role-name" ;;
        "iam update-assume-role-policy") opts="--role-name --policy-document" ;;
        "iam put-role-policy") opts="--role-name --policy-name --policy-document" ;;
        "iam get-role-policy") opts="--role-name --policy-name" ;;
        "iam list-role-policies") opts="--role-name --starting-token --page-size --max-items" ;;
        "iam delete-role-policy") opts="--role-name --policy-name" ;;
        "iam attach-role-policy") opts="--role-name --policy-arn" ;;
        "iam detach-role-policy") opts="--role-name --policy-arn" ;;
        "iam list-attached-role-policies") opts="--role-name --path-prefix --starting-token --page-size --max-items" ;;
        "iam create-policy") opts="--policy-name --path --policy-document --description --tags" ;;
        "iam get-policy") opts="--policy-arn" ;;
        "iam get-policy-version") opts="--policy-arn --version-id" ;;
        "iam list-policies") opts="--scope --only-attached --no-only-attached --path-prefix --policy-usage-filter --starting-token --page-size --max-items" ;;
        "iam delete-policy") opts="--policy-arn" ;;
        "iam create-user") opts="--path --user-name --permissions-boundary --tags" ;;
        "iam get-user") opts="--user-name" ;;
        "iam list-users") opts="--path-prefix --starting-token --page-size --max-items" ;;
        "iam delete-user") opts="--user-name" ;;
        "iam attach-user-policy") opts="--user-name --policy-arn" ;;
        "iam detach-user-policy") opts="--user-name --policy-arn" ;;
        "iam list-attached-user-policies") opts="--user-name --path-prefix --starting-token --page-size --max-items" ;;
        "iam put-user-policy") opts="--user-name --policy-name --policy-document" ;;
        "iam get-user-policy") opts="--user-name --policy-name" ;;
        "iam list-user-policies") opts="--user-name --starting-token --page-size --max-items" ;;
        "iam delete-user-policy") opts="--user-name --policy-name" ;;
        "sts get-caller-identity") opts="" ;;
        "s3api create-bucket") opts="--acl --bucket --create-bucket-configuration --grant-full-control --grant-read --grant-read-acp --grant-write --grant-write-acp --object-lock-enabled-for-bucket --no-object-lock-enabled-for-bucket --object-ownership --bucket-namespace" ;;
        "s3api head-bucket") opts="--bucket --expected-bucket-owner" ;;
        "s3api list-buckets") opts="--max-buckets --continuation-token --prefix --bucket-region" ;;
        "s3api delete-bucket") opts="--bucket --expected-bucket-owner" ;;
        "s3api put-object") opts="--acl --body --bucket --cache-control --content-disposition --content-encoding --content-language --content-length --content-md5 --content-type --checksum-algorithm --checksum-crc32 --checksum-crc32-c --checksum-crc64-nvme --checksum-sha1 --checksum-sha256 --checksum-sha512 --checksum-md5 --checksum-xxhash64 --checksum-xxhash3 --checksum-xxhash128 --expires --if-match --if-none-match --grant-full-control --grant-read --grant-read-acp --grant-write-acp --key --write-offset-bytes --metadata --server-side-encryption --storage-class --website-redirect-location --sse-customer-algorithm --sse-customer-key --sse-customer-key-md5 --ssekms-key-id --ssekms-encryption-context --bucket-key-enabled --no-bucket-key-enabled --request-payer --tagging --object-lock-mode --object-lock-retain-until-date --object-lock-legal-hold-status --expected-bucket-owner" ;;
        "s3api get-object") opts="--bucket --if-match --if-modified-since --if-none-match --if-unmodified-since --key --range --response-cache-control --response-content-disposition --response-content-encoding --response-content-language --response-content-type --response-expires --version-id --sse-customer-algorithm --sse-customer-key --sse-customer-key-md5 --request-payer --part-number --expected-bucket-owner --checksum-mode" ;;
        "s3api head-object") opts="--bucket --if-match --if-modified-since --if-none-match --if-unmodified-since --key --range --response-cache-control --response-content-disposition --response-content-encoding --response-content-language --response-content-type --response-expires --version-id --sse-customer-algorithm --sse-customer-key --sse-customer-key-md5 --request-payer --part-number --expected-bucket-owner --checksum-mode" ;;
        "s3api delete-object") opts="--bucket --key --mfa --version-id --request-payer --bypass-governance-retention --no-bypass-governance-retention --expected-bucket-owner --if-match --if-match-last-modified-time --if-match-size" ;;
        "s3api delete-objects") opts="--bucket --delete --mfa --request-payer --bypass-governance-retention --no-bypass-governance-retention --expected-bucket-owner --checksum-algorithm" ;;
        "s3api copy-object") opts="--acl --bucket --cache-control --checksum-algorithm --content-disposition --content-encoding --content-language --content-type --copy-source --copy-source-if-match --copy-source-if-modified-since --copy-source-if-none-match --copy-source-if-unmodified-since --expires --grant-full-control --grant-read --grant-read-acp --grant-write-acp --if-match --if-none-match --key --metadata --metadata-directive --tagging-directive --server-side-encryption --storage-class --website-redirect-location --sse-customer-algorithm --sse-customer-key --sse-customer-key-md5 --ssekms-key-id --ssekms-encryption-context --bucket-key-enabled --no-bucket-key-enabled --copy-source-sse-customer-algorithm --copy-source-sse-customer-key --copy-source-sse-customer-key-md5 --request-payer --tagging --object-lock-mode --object-lock-retain-until-date --object-lock-legal-hold-status --expected-bucket-owner --expected-source-bucket-owner" ;;
        "s3api list-objects-v2") opts="--bucket --delimiter --encoding-type --max-keys --prefix --continuation-token --fetch-owner --no-fetch-owner --start-after --request-payer --expected-bucket-owner --optional-object-attributes" ;;
        "s3api put-bucket-notification-configuration") opts="--bucket --notification-configuration --expected-bucket-owner --skip-destination-validation --no-skip-destination-validation" ;;
        "s3api get-bucket-notification-configuration") opts="--bucket --expected-bucket-owner" ;;
        "lambda simulate") opts="--for --until --horizon --explain --no-explain --format --show-payloads --no-show-payloads --history --no-history --since --seed --cost --no-cost --scenario" ;;
        "lambda tour") opts="--step --list --no-list --non-interactive --no-non-interactive" ;;
        "lambda logs") opts="--function-name --since --follow --no-follow" ;;
        "lambda state") opts="--clock --start --iam --account-concurrency" ;;
        "lambda generate-event") opts="" ;;
        "lambda serve") opts="--host --port" ;;
        "s3 mb") opts="" ;;
        "s3 cp") opts="--recursive --no-recursive --content-type --dryrun --no-dryrun --quiet --no-quiet --only-show-errors --no-only-show-errors --no-progress --no-no-progress" ;;
        "s3 ls") opts="--recursive --no-recursive --human-readable --no-human-readable --summarize --no-summarize" ;;
        "s3 rm") opts="--recursive --no-recursive --dryrun --no-dryrun --quiet --no-quiet --only-show-errors --no-only-show-errors" ;;
        "s3 rb") opts="--force --no-force" ;;
        "lambda wait") opts="--function-name --qualifier" ;;
        "lambda completion") opts="" ;;
    esac
    COMPREPLY=($(compgen -W "$opts $globals" -- "$cur"))
}
complete -o default -F _lambda_sim lambda-sim
